/// One shell step of a job.
public struct StepSpec: Hashable, Sendable {
    /// The step's name, unique within the job.
    public var name: String
    /// The command, run by `/bin/sh -c` in the sandbox's workspace.
    public var run: String
    /// The command is killed after this many seconds.
    public var timeoutSeconds: Int
    /// How a failed or timed-out attempt is retried.
    public var retry: RetryPolicy
    /// Whether running the step twice is harmless. Recovery re-runs an idempotent step whose
    /// outcome was lost; a non-idempotent one is reconciled and, if its outcome cannot be
    /// known, parked for an operator.
    public var idempotent: Bool

    /// Creates a step.
    public init(name: String, run: String, timeoutSeconds: Int = 600, retry: RetryPolicy = RetryPolicy(), idempotent: Bool = false) {
        self.name = name
        self.run = run
        self.timeoutSeconds = timeoutSeconds
        self.retry = retry
        self.idempotent = idempotent
    }
}
