import RunStateMachine
import Runtime
import Synchronization

/// A clock that moves only when a test says so: engine and driver tests advance time instead of
/// sleeping, so a 15-second lease or a one-hour backoff takes no time and every run of a test
/// sees the same instants.
///
/// Sleepers wake, in deadline order, when ``advance(by:)`` or ``advance(to:)`` passes their
/// deadline, and a cancelled sleeper throws `CancellationError` at once, as the system clock's do.
public final class TestClock: RuntimeClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Timestamp
        let continuation: UnsafeContinuation<Void, any Error>
    }

    private struct State {
        var now: Timestamp
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Moves on whenever a task starts or stops sleeping.
        var changes: UInt64 = 0
    }

    private let state: Mutex<State>

    /// A clock reading `start` (by default 2030-03-17, a fixed instant).
    public init(start: Timestamp = Timestamp(milliseconds: 1_900_000_000_000)) {
        state = Mutex(State(now: start))
    }

    /// The current test time.
    public func now() -> Timestamp {
        state.withLock { $0.now }
    }

    /// Suspends until the clock is advanced to `deadline` (at once if it has passed).
    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    state.changes &+= 1
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                state.changes &+= 1
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `milliseconds` and wakes every sleeper whose deadline passed.
    public func advance(by milliseconds: Int64) {
        let target = now().adding(milliseconds: milliseconds)
        advance(to: target)
    }

    /// Moves the clock to `instant` (never backwards) and wakes every sleeper whose deadline
    /// passed, earliest first.
    public func advance(to instant: Timestamp) {
        let due = state.withLock { state -> [Sleeper] in
            if instant > state.now { state.now = instant }
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
            state.sleepers.removeAll { $0.deadline <= now }
            state.changes &+= UInt64(due.count)
            return due
        }
        for sleeper in due {
            sleeper.continuation.resume()
        }
    }

    /// Runs `operation` while time moves by itself: whenever the tasks sleeping on the clock
    /// have stayed the same for a moment of real time, the clock moves on to the earliest
    /// deadline, by at most `step` milliseconds at a time. Leases, polls and backoffs pass in
    /// real milliseconds, in order; the step bounds how far time can run ahead of work the clock
    /// cannot see (a commit on another thread, a busy machine), so a deadline an hour away is
    /// never reached by accident.
    public func advancing<T: Sendable>(step: Int64 = 10, _ operation: () async throws -> T) async throws -> T {
        let mover = Task {
            var seen: UInt64 = .max
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(1))
                let (changes, next, now) = state.withLock { ($0.changes, $0.sleepers.map(\.deadline).min(), $0.now) }
                if changes == seen, let next {
                    advance(to: min(next, now.adding(milliseconds: step)))
                    seen = .max
                } else {
                    seen = changes
                }
            }
        }
        defer { mover.cancel() }
        return try await operation()
    }
}
