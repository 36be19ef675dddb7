import RunStateMachine
import Synchronization
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// Sandboxes in E2B's cloud, with the semantics of every ``SandboxProvider``: created once per
/// effect key (E2B's `Idempotency-Key`, and metadata to find it again), a lease re-armed with
/// `POST /timeout` so a sandbox whose worker died ends within one lease, kill idempotent (204 and
/// 404), commands at most once per key under ``E2BCommandScript``.
///
/// Its sandbox ids are E2B's, prefixed `e2b:` in the journal so every other effect knows which
/// provider holds them.
public final class E2BSandboxProvider: SandboxProvider {
    /// The prefix of this provider's sandbox ids.
    public static let prefix = "e2b:"
    /// A Unix user of the sandbox that commands run as, and its home, where they keep their
    /// records.
    struct Account: Sendable {
        var user: String
        var home: String

        /// The sandbox's user: every step and tool call runs as it.
        static let user = Account(user: "user", home: "/home/user")
        /// Root: model calls made from inside the sandbox run as it, so the key they carry is
        /// out of the tools' reach.
        static let root = Account(user: "root", home: "/root")
    }

    /// The E2B calls.
    public let client: E2BClient
    private let now: @Sendable () -> Timestamp
    private let tokens = Mutex<[String: String]>([:])

    /// A provider over `client`.
    public init(client: E2BClient, now: @escaping @Sendable () -> Timestamp) {
        self.client = client
        self.now = now
    }

    /// The journal's id of E2B sandbox `raw`.
    public static func sandboxID(_ raw: String) -> SandboxID { SandboxID(prefix + raw) }

    /// Whether `id` names an E2B sandbox.
    public static func holds(_ id: SandboxID) -> Bool { id.value.hasPrefix(prefix) }

    static func raw(_ id: SandboxID) throws(SandboxError) -> String {
        guard holds(id) else { throw .invalidRequest("\(id) is not an E2B sandbox") }
        return String(id.value.dropFirst(prefix.count))
    }

    /// The metadata a sandbox is tagged with (all `[A-Za-z0-9._-]`).
    private func metadata(runID: String, effectKey: String, epoch: Int64) -> [String: String] {
        ["runlog_scope": client.configuration.scope, "runlog_run": runID, "runlog_key": Self.metadataKey(effectKey), "runlog_epoch": "\(epoch)"]
    }

    /// An effect key as a metadata value: `run/seq/index` → `run.seq.index`.
    static func metadataKey(_ effectKey: String) -> String {
        String(effectKey.map { $0 == "/" ? "." : $0 })
    }

    private func info(_ sandbox: E2BClient.Sandbox) -> SandboxInfo? {
        guard let run = sandbox.metadata["runlog_run"], let key = sandbox.metadata["runlog_key"] else { return nil }
        return SandboxInfo(
            id: Self.sandboxID(sandbox.id),
            runID: run,
            effectKey: String(key.map { $0 == "." ? "/" : $0 }),
            epoch: Int64(sandbox.metadata["runlog_epoch"] ?? "") ?? 0,
            ended: nil
        )
    }

    /// Creates the sandbox with the request's key as E2B's idempotency key; its lease is the
    /// spec's `timeoutSeconds`, re-armed by the keeper.
    public func create(_ request: SandboxRequest) async throws(SandboxError) -> SandboxInfo {
        guard request.spec.mounts.isEmpty else {
            throw .invalidRequest("E2B sandboxes cannot mount host directories: remove \"mounts\" or use \"provider\": \"local\"")
        }
        let metadata = metadata(runID: request.runID, effectKey: request.effectKey, epoch: request.epoch)
        for value in metadata.values where !value.utf8.allSatisfy(Self.isMetadataByte) {
            throw .invalidRequest("'\(value)' cannot be E2B metadata ([A-Za-z0-9._-] only)")
        }
        let key = "runlog-" + String(request.effectKey.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        let sandbox = try await client.create(
            template: request.spec.template ?? client.configuration.template,
            // The spec's lease, not the time left until `leaseUntil`: the body must be the same
            // bytes on every retry of the key (the keeper re-arms the lease at once anyway).
            timeoutSeconds: request.spec.timeoutSeconds,
            metadata: metadata,
            envVars: request.spec.env,
            idempotencyKey: key
        )
        if let token = sandbox.envdAccessToken {
            tokens.withLock { $0[sandbox.id] = token }
        }
        return SandboxInfo(id: Self.sandboxID(sandbox.id), runID: request.runID, effectKey: request.effectKey, epoch: request.epoch, ended: nil)
    }

    private static func isMetadataByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// The live sandbox the key created, found by its metadata; `nil` when E2B lists none (or
    /// cannot be asked: re-creating with the same idempotency key then returns it).
    public func find(effectKey: String) async -> SandboxInfo? {
        let filter = ["runlog_scope": client.configuration.scope, "runlog_key": Self.metadataKey(effectKey)]
        return (try? await client.list(metadata: filter))?.compactMap(info).first
    }

    /// This worker's sandboxes (its scope), running or paused; none if E2B cannot be asked
    /// within 10 s a page (the orphan sweep at a worker's start must not wait out an outage).
    public func list() async -> [SandboxInfo] {
        let filter = ["runlog_scope": client.configuration.scope]
        return ((try? await client.list(metadata: filter, timeoutSeconds: min(10, client.configuration.requestTimeoutSeconds))) ?? []).compactMap(info)
    }

    /// Re-arms the sandbox's TTL to end at `until`.
    public func renew(_ id: SandboxID, until: Timestamp) async throws(SandboxError) {
        try await client.setTimeout(try Self.raw(id), seconds: Int((until.milliseconds - now().milliseconds + 999) / 1000))
    }

    /// Kills the sandbox; gone already counts as killed.
    public func kill(_ id: SandboxID, reason: String) async throws(SandboxError) {
        let raw = try Self.raw(id)
        try await client.kill(raw)
        tokens.withLock { $0[raw] = nil }
    }

    /// The sandbox's envd token: remembered from creation, else read from E2B (a restarted worker).
    func token(_ raw: String) async throws(SandboxError) -> String? {
        if let token = tokens.withLock({ $0[raw] }) { return token }
        guard let sandbox = try await client.get(raw) else {
            throw .gone(Self.sandboxID(raw), reason: "E2B no longer has it (expired or killed)")
        }
        if let token = sandbox.envdAccessToken {
            tokens.withLock { $0[raw] = token }
        }
        return sandbox.envdAccessToken
    }

    /// Starts the command under ``E2BCommandScript`` (a key that already started does nothing).
    public func start(_ command: CommandRequest, in id: SandboxID) async throws(SandboxError) {
        try await start(command, in: id, as: .user)
    }

    func start(_ command: CommandRequest, in id: SandboxID, as account: Account) async throws(SandboxError) {
        let raw = try Self.raw(id)
        var envs = command.environment.merging(command.secrets) { _, secret in secret }
        envs["RUNLOG_COMMAND"] = command.command
        _ = try await client.startProcess(
            in: raw,
            token: try await token(raw),
            script: E2BCommandScript.script(key: command.key, timeoutSeconds: command.timeoutSeconds),
            envs: envs,
            tag: E2BCommandScript.tag(command.key),
            // envd kills the process when this elapses: well after the wrapper's own timeout.
            timeoutMilliseconds: Int64(command.timeoutSeconds + 30) * 1000,
            user: account.user
        )
    }

    /// Reads the command's records in the sandbox: exit record, started marker, running tags.
    public func status(ofCommand key: String, in id: SandboxID) async -> CommandStatus {
        await status(ofCommand: key, in: id, as: .user)
    }

    private func status(ofCommand key: String, in id: SandboxID, as account: Account) async -> CommandStatus {
        var last = ""
        for attempt in 0..<3 {
            do {
                return try await readStatus(key, in: id, as: account)
            } catch .gone(_, let reason) {
                return .unknowable(reason: "the sandbox is gone: \(reason)")
            } catch {
                last = error.description
                try? await Task.sleep(for: .milliseconds(200 << attempt))
            }
        }
        return .unknowable(reason: "E2B could not be asked about the command: \(last)")
    }

    private func readStatus(_ key: String, in id: SandboxID, as account: Account) async throws(SandboxError) -> CommandStatus {
        let raw = try Self.raw(id)
        let token = try await token(raw)
        let directory = E2BCommandScript.directory(home: account.home, key: key)
        if let result = try await finished(raw, token: token, directory: directory, as: account) {
            return .finished(result)
        }
        // A process with the key's tag is running: the command runs, or its wrapper is about to
        // write the started marker.
        if try await client.runningTags(in: raw, token: token).contains(E2BCommandScript.tag(key)) {
            return .running
        }
        // Nothing runs under the key now, so whatever its wrapper did is on disk: the marker and
        // the exit record are read only now (read before the check, a quick command could write
        // both and end in between, and would be taken for one that never started).
        if let result = try await finished(raw, token: token, directory: directory, as: account) {
            return .finished(result)
        }
        guard try await client.readFile(in: raw, token: token, path: "\(directory)/started", limit: 1 << 10, user: account.user) != nil else {
            return .notStarted
        }
        return .lost(reason: "the command stopped without an exit record (envd ended it, or the sandbox restarted)")
    }

    private func finished(_ raw: String, token: String?, directory: String, as account: Account) async throws(SandboxError) -> StepResult? {
        guard let record = try await client.readFile(in: raw, token: token, path: "\(directory)/exit", limit: 1 << 10, user: account.user),
            let (exit, ms) = E2BCommandScript.exit(fromRecord: record)
        else { return nil }
        let output = try await streams(raw, token: token, directory: directory, as: account)
        return StepResult(exit: exit, stdout: Self.digest(output.stdout), stderr: Self.digest(output.stderr), durationMilliseconds: ms)
    }

    func streams(_ raw: String, token: String?, directory: String, as account: Account) async throws(SandboxError) -> CommandOutput {
        let limit = 64 << 20
        return CommandOutput(
            stdout: try await client.readFile(in: raw, token: token, path: "\(directory)/out", limit: limit, user: account.user) ?? [],
            stderr: try await client.readFile(in: raw, token: token, path: "\(directory)/err", limit: limit, user: account.user) ?? []
        )
    }

    private static func digest(_ bytes: [UInt8]) -> OutputDigest {
        var capture = OutputCapture(budget: 0)
        capture.append(bytes)
        capture.finish()
        return OutputDigest(bytes: capture.digest.bytes, sha256: capture.digest.sha256, truncated: false)
    }

    /// Polls the command's records until it ends (every 250 ms, then every second).
    public func wait(forCommand key: String, in id: SandboxID) async throws -> StepResult {
        try await wait(forCommand: key, in: id, as: .user)
    }

    func wait(forCommand key: String, in id: SandboxID, as account: Account) async throws -> StepResult {
        var delay = 250
        while true {
            switch await status(ofCommand: key, in: id, as: account) {
            case .finished(let result):
                return result
            case .running:
                try await Task.sleep(for: .milliseconds(delay))
                delay = min(delay * 2, 1000)
            case .notStarted:
                return StepResult(exit: .sandboxLost(reason: "the command was never started"))
            case .lost(let reason), .unknowable(let reason):
                return StepResult(exit: .sandboxLost(reason: reason))
            }
        }
    }

    /// The command's output files (the caller caps and redacts them).
    public func output(ofCommand key: String, in id: SandboxID) async throws(SandboxError) -> CommandOutput {
        let raw = try Self.raw(id)
        return try await streams(raw, token: try await token(raw), directory: E2BCommandScript.directory(home: Account.user.home, key: key), as: .user)
    }

    /// Downloads a workspace file through envd to `destination`.
    public func copyOut(_ path: String, from id: SandboxID, to destination: String) async throws(SandboxError) -> ArtifactDigest {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !path.hasPrefix("/"), !components.isEmpty, !components.contains(".."), !components.contains(".") else {
            throw .invalidRequest("collect path '\(path)' must be relative to the workspace and stay inside it")
        }
        let raw = try Self.raw(id)
        let full = E2BCommandScript.workspace(home: Account.user.home) + "/" + components.joined(separator: "/")
        guard let bytes = try await client.readFile(in: raw, token: try await token(raw), path: full, limit: Int(LocalSandboxProvider.artifactLimit)) else {
            throw .failed("'\(path)' does not exist in the sandbox's workspace", retryable: false)
        }
        if let slash = destination.lastIndex(of: "/") {
            FileIO.makeDirectories(String(destination[..<slash]), mode: 0o755)
        }
        guard FileIO.writeAtomically(destination, bytes, mode: 0o644) == 0 else {
            throw .failed("cannot write \(destination)", retryable: false)
        }
        return ArtifactDigest(path: path, bytes: Int64(bytes.count), sha256: ContentHash.sha256Hex(bytes))
    }
}
