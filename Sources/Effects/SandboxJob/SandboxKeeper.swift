import RunStateMachine
import Synchronization

/// Keeps the sandboxes of the runs a worker drives alive: re-arms each one's lease every third
/// of its length, for as long as a driver holds its run. A sandbox whose worker dies is no
/// longer renewed and ends by itself.
///
/// Renewals stop when the worker's own leases may have run out (``leasesHeld(until:)``, told
/// after each heartbeat): a worker cut off from its journal, or stopped, must not keep a sandbox
/// alive past its sandbox lease beyond that, since another worker may take the run then (a
/// worker on another host waits exactly that long: ``HostAffinity``).
///
/// Drivers report the sandbox their run holds after every transition; that report is a check
/// under a lock unless the sandbox changed, so keeping costs nothing between renewals.
public final class SandboxKeeper: Sendable {
    private struct Hold {
        var sandbox: SandboxID
        var ttlMilliseconds: Int64
        var renewAt: Timestamp
    }

    /// Until when the worker's leases are surely held.
    package enum Horizon: Equatable, Sendable {
        /// Not known yet: nothing is renewed.
        case unknown
        /// Until this instant.
        case until(Timestamp)
        /// For as long as the worker lives: it owns its journal, and no other worker can take
        /// its runs.
        case unbounded
    }

    private struct State {
        var holds: [String: Hold] = [:]
        var looping = false
        var horizon = Horizon.unknown
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

    /// Records that every lease of the worker is held until `until` (`nil`: for as long as the
    /// worker lives, as for the owner of an embedded journal): sandboxes are renewed at most
    /// until their lease's length past it.
    public func leasesHeld(until: Timestamp?) {
        state.withLock { state in
            guard let until else {
                state.horizon = .unbounded
                return
            }
            switch state.horizon {
            case .unknown: state.horizon = .until(until)
            case .until(let known): state.horizon = .until(max(known, until))
            case .unbounded: break
            }
        }
    }

    /// Until when a sandbox with a lease of `ttlMilliseconds` is renewed at `now`, or `nil` if
    /// it must not be: before the worker's leases are known to be held, or once they may have
    /// run out, a renewal would keep the sandbox alive for a run another worker may be driving.
    package static func renewal(at now: Timestamp, ttlMilliseconds: Int64, horizon: Horizon) -> Timestamp? {
        switch horizon {
        case .unknown: return nil
        case .until(let end) where now >= end: return nil
        case .until, .unbounded: return now.adding(milliseconds: ttlMilliseconds)
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
        let horizon = state.withLock { $0.horizon }
        // Left due: renewed at the first tick after the next heartbeat.
        guard let until = Self.renewal(at: now, ttlMilliseconds: hold.ttlMilliseconds, horizon: horizon) else { return }
        do {
            try await provider.renew(hold.sandbox, until: until)
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
