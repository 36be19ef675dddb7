import Dispatch

/// Runs blocking work (reading a child's output to its end, waiting for it) on a Dispatch
/// thread, not on Swift's cooperative pool: a test that blocks a cooperative thread starves the
/// other tests of the process (on two cores the pool has two threads), and tests that time
/// things, or fakes that answer the code under test, then oversleep or stall.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}
