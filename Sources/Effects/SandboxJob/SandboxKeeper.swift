import RunStateMachine

/// Keeps the sandboxes of the runs a worker drives alive: re-arms each one's lease every third
/// of its length, for as long as a driver holds its run. A sandbox whose worker dies is no
/// longer renewed and ends by itself.
public actor SandboxKeeper {
    private struct Hold {
        var sandbox: SandboxID
        var ttlMilliseconds: Int64
        var renewAt: Timestamp
    }

    private let provider: any SandboxProvider
    private let now: @Sendable () -> Timestamp
    private var holds: [String: Hold] = [:]
    private var loop: Task<Void, Never>?

    /// A keeper renewing through `provider`.
    public init(provider: any SandboxProvider, now: @escaping @Sendable () -> Timestamp) {
        self.provider = provider
        self.now = now
    }

    /// Records that run `runID` holds `sandbox` (or none) with a lease of `ttlMilliseconds`; a
    /// newly held sandbox is renewed at once (it may have been created by an earlier worker).
    public func hold(run runID: String, sandbox: SandboxID?, ttlMilliseconds: Int64) async {
        guard let sandbox else {
            holds[runID] = nil
            return
        }
        if holds[runID]?.sandbox == sandbox { return }
        holds[runID] = Hold(sandbox: sandbox, ttlMilliseconds: ttlMilliseconds, renewAt: now())
        await renewDue()
        if loop == nil {
            loop = Task { await self.run() }
        }
    }

    /// Stops renewing run `runID`'s sandbox.
    public func release(run runID: String) {
        holds[runID] = nil
    }

    /// The sandboxes currently kept alive, by run.
    public var held: [String: SandboxID] { holds.mapValues(\.sandbox) }

    private func run() async {
        while !holds.isEmpty, !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 200_000_000)
            await renewDue()
        }
        loop = nil
    }

    private func renewDue() async {
        let now = self.now()
        for (run, hold) in holds where hold.renewAt <= now {
            do {
                try await provider.renew(hold.sandbox, until: now.adding(milliseconds: hold.ttlMilliseconds))
                if holds[run]?.sandbox == hold.sandbox {
                    holds[run]?.renewAt = now.adding(milliseconds: max(1, hold.ttlMilliseconds / 3))
                }
            } catch .gone {
                // It ended; the run's next command reports it lost.
                if holds[run]?.sandbox == hold.sandbox { holds[run] = nil }
            } catch {
                // Try again at the next tick.
            }
        }
    }
}
