import Synchronization

/// Hints that the journal has news for workers (a run submitted, a cancel requested), from a
/// store that hears of them (PostgreSQL's LISTEN/NOTIFY). A hint only: hints may be lost (a
/// listener reconnecting, a connection pooler that drops LISTEN), so a worker polls all the
/// same; a hint lets it look at once instead of at its next poll.
///
/// Hints coalesce: any number posted while nobody waits wake the next waiter once.
public final class WakeUps: Sendable {
    private struct State: ~Copyable {
        var posted = false
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    /// A signal with nothing posted.
    public init() {}

    /// Posts a hint: wakes the waiter, or the next one.
    public func post() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.posted = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns once a hint has been posted since the last return, the signal is closed (then at
    /// once, every time), or the task is cancelled. One waiter at a time.
    public func next() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready: Bool = state.withLock { state in
                    if state.posted || state.closed || Task.isCancelled {
                        state.posted = false
                        return true
                    }
                    precondition(state.waiter == nil, "WakeUps has one waiter at a time")
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Whether the signal is closed: no more hints will come.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// No more hints will come: the waiter returns, and so will every later ``next()``.
    public func close() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
