/// How a step's failed attempts are retried: up to ``maxAttempts`` attempts in all, waiting
/// `backoff × 2^(n-1)` (capped at one hour) before attempt `n + 1`.
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts in all, including the first.
    public var maxAttempts: Int
    /// The wait before the second attempt, in milliseconds; it doubles for each later attempt.
    public var backoffMilliseconds: Int64

    /// Creates a retry policy.
    public init(maxAttempts: Int = 1, backoffMilliseconds: Int64 = 1000) {
        self.maxAttempts = maxAttempts
        self.backoffMilliseconds = backoffMilliseconds
    }

    /// The wait after failed attempt `attempt` (1-based) before the next one.
    public func delay(afterAttempt attempt: Int) -> Int64 {
        let doublings = Int64(max(0, min(attempt - 1, 32)))
        let cap: Int64 = 3_600_000
        let (scaled, overflow) = backoffMilliseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? cap : min(scaled, cap)
    }
}
