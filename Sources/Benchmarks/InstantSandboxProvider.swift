import Effects
import Journal
import RunStateMachine
import Runtime
import Synchronization
import SystemSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sandboxes that are entries in this process's memory, whose commands run nothing and exit 0
/// at once: the engine's own cost with the cost of real sandboxes taken away.
///
/// `worker bench runs` and `worker bench recovery` drive ``SandboxJob`` runs through the real
/// executor with this provider. It keeps the provider contract (creation and command starts are
/// idempotent by key, kill is idempotent, status reads the records), so recovery reconciles
/// against it as it would against local or E2B sandboxes. It runs no command and isolates
/// nothing, so workers never use it for jobs.
///
/// With a record file, its records outlive the process, as a local sandbox's directory does:
/// each change is appended to the file as it happens (no sync: a killed process's writes stay
/// in the page cache), and a provider opened on the file starts from them. `worker bench
/// recovery` on PostgreSQL kills a worker process and recovers its runs in another with it.
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
    /// The record file's descriptor, or -1.
    private let recordFile: Int32

    /// Creates an empty provider, in memory only.
    public init() {
        recordFile = -1
    }

    /// A provider whose records are kept in the file at `path` too, starting from those an
    /// earlier provider left there (none if the file does not exist). Commands recorded as
    /// started have finished with exit 0, unless this provider holds them.
    public init(recordFile path: String) throws(BenchmarkError) {
        var records = Records()
        let limit = 1 << 30
        let bytes = FileIO.read(path, limit: limit)
        guard bytes != nil || !FileIO.exists(path), (bytes?.count ?? 0) < limit else {
            throw BenchmarkError("the sandbox record file \(path) cannot be read whole")
        }
        for line in String(decoding: bytes ?? [], as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch (fields.first, fields.count) {
            case ("create", 5):
                let id = SandboxID(fields[1])
                records.sandboxes[id] = Sandbox(info: SandboxInfo(id: id, runID: fields[2], effectKey: fields[4], epoch: Int64(fields[3]) ?? 0, ended: nil))
                records.byKey[fields[4]] = id
            case ("start", 3):
                records.sandboxes[SandboxID(fields[1])]?.commands.insert(fields[2])
            case ("kill", 3):
                records.sandboxes[SandboxID(fields[1])]?.info.ended = fields[2]
            default:
                throw BenchmarkError("the sandbox record file \(path) has a line this build does not write: \(line.prefix(80))")
            }
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchmarkError("the sandbox record file \(path) cannot be opened (errno \(errno))") }
        self.records.withLock { $0 = records }
        recordFile = descriptor
    }

    deinit {
        if recordFile >= 0 { close(recordFile) }
    }

    /// Appends a change to the record file, if there is one (called under the records' lock, so
    /// the file's order is the records').
    private func record(_ fields: String...) {
        guard recordFile >= 0 else { return }
        let line = Array((fields.joined(separator: "\t") + "\n").utf8)
        _ = line.withUnsafeBytes { write(recordFile, $0.baseAddress, $0.count) }
    }

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
            record("create", id.value, request.runID, "\(request.epoch)", request.effectKey)
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
        records.withLock { records in
            guard records.sandboxes[id] != nil else { return }
            records.sandboxes[id]?.info.ended = reason
            record("kill", id.value, String(reason.map { $0 == "\t" || $0 == "\n" ? " " : $0 }))
        }
    }

    /// Records the command as started (once per key); it has finished at once unless held.
    public func start(_ command: CommandRequest, in id: SandboxID) async throws(SandboxError) {
        let alive = records.withLock { records -> Bool in
            guard records.sandboxes[id]?.info.isAlive == true else { return false }
            if records.sandboxes[id]?.commands.insert(command.key).inserted == true {
                record("start", id.value, command.key)
                if records.holding { records.held.insert(command.key) }
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
