import Effects
import Journal
import RunStateMachine
import Runtime
import Synchronization

/// Sandboxes that are entries in this process's memory, whose commands run nothing and exit 0
/// at once: the engine's own cost with the cost of real sandboxes taken away.
///
/// `worker bench runs` and `worker bench recovery` drive ``SandboxJob`` runs through the real
/// executor with this provider. It keeps the provider contract (creation and command starts are
/// idempotent by key, kill is idempotent, status reads the records), so recovery reconciles
/// against it as it would against local or E2B sandboxes. It runs no command and isolates
/// nothing, so workers never use it for jobs.
public final class InstantSandboxProvider: SandboxProvider {
    private struct Sandbox {
        var info: SandboxInfo
        var commands: Set<String> = []
    }

    private struct Records {
        var sandboxes: [SandboxID: Sandbox] = [:]
        var byKey: [String: SandboxID] = [:]
        var holding = false
        var held: Set<String> = []
    }

    private let records = Mutex(Records())

    /// Creates an empty provider.
    public init() {}

    /// While `true`, commands started stay running (status ``CommandStatus/running``; waiting
    /// for them waits until the waiting task is cancelled); a benchmark uses it to leave runs in
    /// flight for a crash. Setting it back to `false` lets every held command finish with exit 0.
    public var holdsCommands: Bool {
        get { records.withLock { $0.holding } }
        set {
            records.withLock {
                $0.holding = newValue
                if !newValue { $0.held = [] }
            }
        }
    }

    /// Commands started so far (each key once).
    public var startedCount: Int {
        records.withLock { $0.sandboxes.values.reduce(0) { $0 + $1.commands.count } }
    }

    /// The sandboxes still alive.
    public var aliveCount: Int {
        records.withLock { $0.sandboxes.values.count { $0.info.isAlive } }
    }

    private func id(for key: String) -> SandboxID {
        SandboxID("mem-\(ContentHash.sha256Hex(Array(key.utf8)).prefix(20))")
    }

    /// Creates the sandbox for the request's key, or returns the live one it already created.
    public func create(_ request: SandboxRequest) async throws(SandboxError) -> SandboxInfo {
        let id = id(for: request.effectKey)
        return records.withLock { records in
            if let existing = records.sandboxes[id], existing.info.isAlive { return existing.info }
            let info = SandboxInfo(id: id, runID: request.runID, effectKey: request.effectKey, epoch: request.epoch, ended: nil)
            records.sandboxes[id] = Sandbox(info: info)
            records.byKey[request.effectKey] = id
            return info
        }
    }

    /// The sandbox the key created, if any.
    public func find(effectKey: String) async -> SandboxInfo? {
        records.withLock { records in records.byKey[effectKey].flatMap { records.sandboxes[$0]?.info } }
    }

    /// Every sandbox, alive or ended.
    public func list() async -> [SandboxInfo] {
        records.withLock { $0.sandboxes.values.map(\.info) }
    }

    /// Leases of in-process sandboxes never run out; renewing checks the sandbox is alive.
    public func renew(_ id: SandboxID, until: Timestamp) async throws(SandboxError) {
        let alive = records.withLock { $0.sandboxes[id]?.info.isAlive ?? false }
        if !alive { throw .gone(id, reason: "it was killed") }
    }

    /// Marks the sandbox ended; its records stay, as a local sandbox's directory would until removed.
    public func kill(_ id: SandboxID, reason: String) async throws(SandboxError) {
        records.withLock { $0.sandboxes[id]?.info.ended = reason }
    }

    /// Records the command as started (once per key); it has finished at once unless held.
    public func start(_ command: CommandRequest, in id: SandboxID) async throws(SandboxError) {
        let alive = records.withLock { records -> Bool in
            guard records.sandboxes[id]?.info.isAlive == true else { return false }
            if records.sandboxes[id]?.commands.insert(command.key).inserted == true, records.holding {
                records.held.insert(command.key)
            }
            return true
        }
        if !alive { throw .gone(id, reason: "it was killed") }
    }

    /// Not started, running (held), or finished with exit 0.
    public func status(ofCommand key: String, in id: SandboxID) async -> CommandStatus {
        records.withLock { records in
            guard let sandbox = records.sandboxes[id] else { return .unknowable(reason: "no sandbox \(id)") }
            guard sandbox.commands.contains(key) else { return .notStarted }
            if records.held.contains(key) { return sandbox.info.isAlive ? .running : .lost(reason: "the sandbox was killed") }
            return .finished(StepResult(exit: .exited(code: 0)))
        }
    }

    /// The command's result: exit 0, once it is not held.
    public func wait(forCommand key: String, in id: SandboxID) async throws -> StepResult {
        while true {
            switch await status(ofCommand: key, in: id) {
            case .finished(let result): return result
            case .running: try await Task.sleep(for: .seconds(1))
            case .notStarted, .unknowable, .lost: return StepResult(exit: .sandboxLost(reason: "the command was not recorded"))
            }
        }
    }

    /// Commands of in-process sandboxes print nothing.
    public func output(ofCommand key: String, in id: SandboxID) async throws(SandboxError) -> CommandOutput {
        CommandOutput()
    }

    /// In-process sandboxes hold no files.
    public func copyOut(_ path: String, from id: SandboxID, to destination: String) async throws(SandboxError) -> ArtifactDigest {
        throw .invalidRequest("in-process sandboxes hold no files; \(path) cannot be collected")
    }
}
