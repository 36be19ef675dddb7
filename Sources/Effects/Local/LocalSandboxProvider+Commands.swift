import Crypto
import Failpoints
import RunStateMachine
import SandboxSupervisor
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

extension LocalSandboxProvider {
    /// The largest artifact ``copyOut(_:from:to:)`` copies.
    public static let artifactLimit: Int64 = 256 << 20

    /// Sends the command to the supervisor, which records its start before creating it.
    public func start(_ command: CommandRequest, in id: SandboxID) async throws(SandboxError) {
        let layout = try layout(id)
        let spec = CommandSpec(
            key: command.key,
            command: command.command,
            timeoutMilliseconds: Int64(command.timeoutSeconds) * 1000,
            environment: command.environment,
            secrets: command.secrets
        )
        let request = ControlRequest.run(spec).json.canonicalBytes
        let answer: Result<[UInt8], ControlSocket.Failure> = await Blocking.run {
            Result { () throws(ControlSocket.Failure) in try ControlSocket.exchange(layout.socketName, request: request, timeoutMilliseconds: Self.controlTimeout) }
        }
        switch answer {
        case .success(let line):
            guard let value = try? JSONValue.parse(line), let reply = try? ControlReply(json: value) else {
                throw .failed("the supervisor of \(id) gave an unreadable answer", retryable: false)
            }
            guard reply.ok else { throw .failed("the supervisor of \(id) refused the command: \(reply.detail)", retryable: false) }
            Failpoint.hit(.afterCommandStart)
        case .failure(let failure):
            if let ended = ended(layout) { throw .gone(id, reason: ended) }
            throw .failed("cannot reach the supervisor of \(id): \(failure)", retryable: true)
        }
    }

    /// Reads the command's records: exit record, started marker, and whether the sandbox lives.
    public func status(ofCommand key: String, in id: SandboxID) async -> CommandStatus {
        guard let layout = try? layout(id), FileIO.exists(layout.meta) else {
            return .unknowable(reason: "the records of sandbox \(id) are gone")
        }
        let files = layout.command(key)
        if let result = FileIO.read(files.exit).flatMap(CommandRecord.result(fromExit:)) {
            return .finished(result)
        }
        guard FileIO.exists(files.started) else { return .notStarted }
        if let ended = ended(layout) {
            // The supervisor may have written the result just before it ended.
            if let result = FileIO.read(files.exit).flatMap(CommandRecord.result(fromExit:)) {
                return .finished(result)
            }
            return .lost(reason: ended)
        }
        return .running
    }

    /// Polls the exit record, at first every millisecond, backing off to every 50 ms.
    public func wait(forCommand key: String, in id: SandboxID) async throws -> StepResult {
        // The command's directory is watched, so its exit record is seen as soon as it is
        // written; the status is also read every 100 ms (a supervisor that dies writes its
        // record elsewhere). Without inotify, the status is polled with a growing delay.
        let directory = try? layout(id).command(key).directory
        let watcher = DirectoryWatcher.shared
        let watch = directory.flatMap { watcher?.watch($0) }
        defer {
            if let watch, let directory { watcher?.unwatch(watch, directory: directory) }
        }
        var delay: UInt64 = 1_000_000
        while true {
            let seen = watch.flatMap { watcher?.generation($0) }
            switch await status(ofCommand: key, in: id) {
            case .finished(let result):
                return result
            case .lost(let reason), .unknowable(let reason):
                return StepResult(exit: .sandboxLost(reason: reason))
            case .notStarted:
                return StepResult(exit: .sandboxLost(reason: "the command was never started"))
            case .running:
                if let watcher, let watch, let seen {
                    await watcher.changed(watch, since: seen, timeout: .milliseconds(100))
                    try Task.checkCancellation()
                } else {
                    try await Task.sleep(nanoseconds: delay)
                    delay = min(delay * 2, 50_000_000)
                }
            }
        }
    }

    /// Reads the command's captured streams (each already within the sandbox's output budget).
    public func output(ofCommand key: String, in id: SandboxID) async throws(SandboxError) -> CommandOutput {
        let files = try layout(id).command(key)
        return CommandOutput(stdout: FileIO.read(files.stdout) ?? [], stderr: FileIO.read(files.stderr) ?? [])
    }

    /// Copies a regular file out of the workspace, refusing paths that leave it (`..`, absolute
    /// paths, symbolic links anywhere on the way) and files over ``artifactLimit``.
    public func copyOut(_ path: String, from id: SandboxID, to destination: String) async throws(SandboxError) -> ArtifactDigest {
        let layout = try layout(id)
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !path.hasPrefix("/"), !components.isEmpty, !components.contains(".."), !components.contains(".") else {
            throw .invalidRequest("collect path '\(path)' must be relative to the workspace and stay inside it")
        }
        let outcome: Result<ArtifactDigest, SandboxError> = await Blocking.run {
            Self.copy(components: components, workspace: layout.workspace, to: destination, path: path)
        }
        return try outcome.get()
    }

    private static func copy(components: [String], workspace: String, to destination: String, path: String) -> Result<ArtifactDigest, SandboxError> {
        // Walk down with O_NOFOLLOW so no symbolic link can lead outside the workspace.
        var directory = open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return .failure(.failed("the workspace is gone", retryable: false)) }
        for (index, component) in components.enumerated() {
            let last = index == components.count - 1
            // The file itself is opened non-blocking: a FIFO (or anything else a step planted
            // that is not a regular file) must be refused by the type check below, never waited
            // on in open or read.
            let next = openat(directory, component, (last ? O_RDONLY | O_NONBLOCK : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC)
            close(directory)
            guard next >= 0 else {
                return .failure(.failed("cannot open '\(path)' in the workspace: \(String(cString: strerror(errno)))", retryable: false))
            }
            directory = next
        }
        let source = directory
        defer { close(source) }
        var info = stat()
        guard fstat(source, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return .failure(.failed("'\(path)' is not a regular file", retryable: false))
        }
        guard Int64(info.st_size) <= artifactLimit else {
            return .failure(.failed("'\(path)' is \(info.st_size) bytes, over the artifact limit of \(artifactLimit)", retryable: false))
        }
        // A regular file: reads block as on any file from here.
        _ = fcntl(source, F_SETFL, fcntl(source, F_GETFL) & ~O_NONBLOCK)
        // Artifacts may hold what a job wrote of its secrets: for the worker's user only.
        if let slash = destination.lastIndex(of: "/") {
            FileIO.makeDirectories(String(destination[..<slash]), mode: 0o700)
        }
        let target = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard target >= 0 else {
            return .failure(.failed("cannot write \(destination): \(String(cString: strerror(errno)))", retryable: false))
        }
        defer { close(target) }
        // A file left by an earlier collect keeps its mode through O_TRUNC.
        fchmod(target, 0o600)
        var hasher = SHA256()
        var total: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while total <= artifactLimit {
            let n = chunk.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return .failure(.failed("cannot read '\(path)': \(String(cString: strerror(errno)))", retryable: false)) }
            if n == 0 { break }
            let written = chunk.withUnsafeBytes { write(target, $0.baseAddress, n) }
            guard written == n else { return .failure(.failed("cannot write \(destination)", retryable: false)) }
            chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += Int64(n)
        }
        let digest = hasher.finalize().map { $0 }
        return .success(ArtifactDigest(path: path, bytes: total, sha256: ContentHash.hex(digest)))
    }
}
