/// The built-in machine for sandbox jobs: provision a sandbox, run the job in it (shell steps,
/// or an agent's model/tool loop), collect artifacts, tear the sandbox down, report the outcome.
///
/// Every failure after a sandbox may exist goes through `compensating`, which kills it; every
/// run ends by reporting its outcome. Retries wait in `retryWait` until a time computed from the
/// failure's timestamp; the run's deadline counts from submission. Effects whose outcome cannot
/// be known and must not be repeated park the run in `needsAttention`.
///
/// See ``SandboxJobState`` for each state's valid next states, and ``revisions`` for the graph
/// of each revision (`worker graph` draws them).
public struct SandboxJob: StateMachine {
    /// A run is configured with its job spec.
    public typealias Input = JobSpec
    /// See ``SandboxJobState``.
    public typealias State = SandboxJobState
    /// See ``SandboxJobEvent``.
    public typealias Event = SandboxJobEvent
    /// See ``SandboxJobEffect``.
    public typealias Effect = SandboxJobEffect

    /// The run's validated job spec.
    public let input: JobSpec
    /// When the run was submitted.
    public let submittedAt: Timestamp
    /// The revision the run was created with, which drives it.
    public let revision: Int

    /// Attempts at creating a sandbox before the run fails.
    public static let provisionAttempts = 3
    /// Wait before the second sandbox-creation attempt, doubling after.
    public static let provisionBackoffMilliseconds: Int64 = 2000
    /// Attempts at a model call before the run fails.
    public static let modelAttempts = 5
    /// Wait before the second model-call attempt, doubling after (the provider's `retry-after`
    /// wins when longer).
    public static let modelBackoffMilliseconds: Int64 = 1000
    /// Attempts at killing the sandbox before the run is parked for an operator.
    public static let releaseAttempts = 5
    /// Attempts at reporting the outcome before the run is parked for an operator.
    public static let reportAttempts = 8
    /// Wait before the second kill or report attempt, doubling after.
    public static let finishBackoffMilliseconds: Int64 = 1000
    /// The longest wait between two attempts of anything.
    public static let maxBackoffMilliseconds: Int64 = 60_000

    /// Configures a run of `input` submitted at `submittedAt`, driven by `revision` (by default
    /// the newest, as for a new run).
    ///
    /// - Precondition: `revision` is the number of one of ``revisions``.
    public init(input: JobSpec, submittedAt: Timestamp, revision: Int = SandboxJob.latest.number) {
        precondition(Self.revisions.indices.contains(revision - 1), "sandbox-job has no revision \(revision)")
        self.input = input
        self.submittedAt = submittedAt
        self.revision = revision
    }

    /// When the run's deadline passes.
    public var deadline: Timestamp {
        submittedAt.adding(seconds: input.deadlineSeconds)
    }

    /// `base × 2^(attempt-1)`, capped at ``maxBackoffMilliseconds``.
    static func backoff(_ base: Int64, afterAttempt attempt: Int) -> Int64 {
        RetryPolicy(maxAttempts: attempt + 1, backoffMilliseconds: base).delay(afterAttempt: attempt)
            .clamped(to: 0...maxBackoffMilliseconds)
    }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
