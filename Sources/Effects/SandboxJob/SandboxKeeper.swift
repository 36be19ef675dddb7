import RunStateMachine
import Synchronization

/// Keeps the sandboxes of the runs a worker drives alive: re-arms each one's lease every third
/// of its length, for as long as a driver holds its run. A sandbox whose worker dies is no
/// longer renewed and ends by itself.
///
/// Drivers report the sandbox their run holds after every transition; that report is a check
/// under a lock unless the sandbox changed, so keeping costs nothing between renewals.
public final class SandboxKeeper: Sendable {
    private struct Hold {
        var sandbox: SandboxID
        var ttlMilliseconds: Int64
        var renewAt: Timestamp
    }

    private struct State {
        var holds: [String: Hold] = [:]
        var looping = false
    }

    private let provider: any SandboxProvider
    private let now: @Sendable () -> Timestamp
    private let state = Mutex(State())

    /// A keeper renewing through `provider`.
    public init(provider: any SandboxProvider, now: @escaping @Sendable () -> Timestamp) {
        self.provider = provider
        self.now = now
    }

    /// Records that run `runID` holds `sandbox` (or none) with a lease of `ttlMilliseconds`; a
    /// newly held sandbox is renewed at once (it may have been created by an earlier worker).
    public func hold(run runID: String, sandbox: SandboxID?, ttlMilliseconds: Int64) async {
        let now = now()
        let (hold, startLoop) = state.withLock { state -> (Hold?, Bool) in
            guard let sandbox else {
                state.holds[runID] = nil
                return (nil, false)
            }
            if state.holds[runID]?.sandbox == sandbox { return (nil, false) }
            let hold = Hold(sandbox: sandbox, ttlMilliseconds: ttlMilliseconds, renewAt: now)
            state.holds[runID] = hold
            let startLoop = !state.looping
            state.looping = true
            return (hold, startLoop)
        }
        guard let hold else { return }
        await renew(run: runID, hold, at: now)
        if startLoop {
            Task { await self.loop() }
        }
    }

    /// Stops renewing run `runID`'s sandbox.
    public func release(run runID: String) {
        state.withLock { $0.holds[runID] = nil }
    }

    /// The sandboxes currently kept alive, by run.
    public var held: [String: SandboxID] { state.withLock { $0.holds.mapValues(\.sandbox) } }

    private func loop() async {
        while true {
            try? await Task.sleep(nanoseconds: 200_000_000)
            let now = now()
            let due = state.withLock { state -> [(String, Hold)]? in
                if state.holds.isEmpty {
                    state.looping = false
                    return nil
                }
                return state.holds.filter { $0.value.renewAt <= now }.map { ($0.key, $0.value) }
            }
            guard let due else { return }
            for (run, hold) in due {
                await renew(run: run, hold, at: now)
            }
        }
    }

    private func renew(run: String, _ hold: Hold, at now: Timestamp) async {
        do {
            try await provider.renew(hold.sandbox, until: now.adding(milliseconds: hold.ttlMilliseconds))
            state.withLock { state in
                if state.holds[run]?.sandbox == hold.sandbox {
                    state.holds[run]?.renewAt = now.adding(milliseconds: max(1, hold.ttlMilliseconds / 3))
                }
            }
        } catch .gone {
            // It ended; the run's next command reports it lost.
            state.withLock { state in
                if state.holds[run]?.sandbox == hold.sandbox { state.holds[run] = nil }
            }
        } catch {
            // Try again at the next tick.
        }
    }
}
