import RunStateMachine
import SystemSupport

/// The runtime's source of time: deadlines and retries are wall-clock instants journaled with
/// the run, so the clock gives wall-clock time and sleeps until one.
///
/// Injected, so tests and simulations control time instead of sleeping.
public protocol RuntimeClock: Sendable {
    /// The current wall-clock time.
    func now() -> Timestamp
    /// Suspends until `deadline` (immediately if it has passed).
    ///
    /// - Throws: `CancellationError` if the task is cancelled first.
    func sleep(until deadline: Timestamp) async throws
}

/// The system's clock.
public struct SystemClock: RuntimeClock {
    /// Creates the system clock.
    public init() {}

    /// The wall clock (`CLOCK_REALTIME`), in milliseconds.
    public func now() -> Timestamp {
        WallClock.now()
    }

    /// Sleeps for the wall-clock distance to `deadline`.
    public func sleep(until deadline: Timestamp) async throws {
        // A wakeup read from a journal may be any instant: the distance saturates.
        let remaining = deadline.milliseconds.subtractingSaturated(now().milliseconds)
        if remaining > 0 {
            try await Task.sleep(for: .milliseconds(remaining))
        } else {
            try Task.checkCancellation()
        }
    }
}
