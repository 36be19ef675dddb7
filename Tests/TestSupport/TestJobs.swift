import RunStateMachine

/// Job specs for tests.
public enum TestJobs {
    /// A shell job of `steps` steps (`step-1` running `echo 0`, …), each tried up to `attempts`
    /// times `backoffMilliseconds` apart, under idempotency key `key`.
    public static func shell(
        steps: Int = 3,
        attempts: Int = 1,
        backoffMilliseconds: Int64 = 1000,
        key: String? = nil,
        name: String? = "test"
    ) -> JobSpec {
        JobSpec(
            kind: .shell,
            name: name,
            idempotencyKey: key,
            steps: (0..<steps).map { index in
                StepSpec(
                    name: "step-\(index + 1)",
                    run: "echo \(index)",
                    timeoutSeconds: 60,
                    retry: RetryPolicy(maxAttempts: attempts, backoffMilliseconds: backoffMilliseconds)
                )
            }
        )
    }

    /// A step `name` running `run`, with a timeout, attempts 50 ms apart and whether it may run
    /// twice.
    public static func step(_ name: String, _ run: String, timeout: Int = 30, attempts: Int = 1, idempotent: Bool = false) -> StepSpec {
        StepSpec(name: name, run: run, timeoutSeconds: timeout, retry: RetryPolicy(maxAttempts: attempts, backoffMilliseconds: 50), idempotent: idempotent)
    }
}
