import Synchronization

/// Cancel requests found by the engine, delivered to the drivers of those runs.
///
/// The engine looks for operators' cancel requests with one query per poll and signals the
/// drivers of the runs concerned; a driver waits for its signal without polling, so a worker
/// with ten thousand runs in flight does not read the journal ten thousand times per poll.
final class CancelSignals: Sendable {
    private struct State {
        var waiters: [Int64: UnsafeContinuation<Bool, Never>] = [:]
        var signalled: Set<Int64> = []
    }

    private let state = Mutex(State())

    /// Waits until run number `run` is signalled (`true`) or the task is cancelled (`false`).
    func wait(for run: Int64) async -> Bool {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                let now: Bool? = state.withLock { state in
                    if state.signalled.remove(run) != nil { return true }
                    if Task.isCancelled { return false }
                    state.waiters[run] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: run) }?.resume(returning: false)
        }
    }

    /// Signals run number `run`'s driver (now if it waits, else at its next wait).
    func signal(_ run: Int64) {
        let waiter = state.withLock { state in
            guard let waiter = state.waiters.removeValue(forKey: run) else {
                state.signalled.insert(run)
                return nil as UnsafeContinuation<Bool, Never>?
            }
            return waiter
        }
        waiter?.resume(returning: true)
    }

    /// Drops a signal nobody took (the run's driver has returned).
    func forget(_ run: Int64) {
        state.withLock { _ = $0.signalled.remove(run) }
    }
}
