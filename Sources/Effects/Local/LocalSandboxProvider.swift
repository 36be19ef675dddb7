import CSandbox
import Failpoints
import RunStateMachine
import SandboxSupervisor
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// Sandboxes on this machine: each one a directory under ``LocalSandboxOptions/root`` held by a
/// `runlog-supervisor` process that outlives the worker (see ``SandboxLayout`` and
/// ``Supervisor``). Commands are confined by an ``IsolationProfile``.
public struct LocalSandboxProvider: SandboxProvider {
    /// Where sandboxes live and how they are isolated.
    public let options: LocalSandboxOptions

    /// How long a control request may take, in milliseconds.
    static let controlTimeout = 5_000

    /// Creates a provider.
    public init(options: LocalSandboxOptions) {
        self.options = options
    }

    func layout(_ id: SandboxID) throws(SandboxError) -> SandboxLayout {
        guard SandboxLayout.isValidID(id.value) else {
            throw .invalidRequest("'\(id)' is not a local sandbox id")
        }
        return SandboxLayout(root: options.root, id: id.value)
    }

    /// Creates the sandbox, or returns the live one this request's key created before.
    public func create(_ request: SandboxRequest) async throws(SandboxError) -> SandboxInfo {
        let layout = SandboxLayout(root: options.root, id: SandboxLayout.id(forEffectKey: request.effectKey))
        if let existing = info(layout) {
            if existing.isAlive { return existing }
            // What an earlier attempt with this key left behind has ended: start afresh.
            if let problem = Self.remove(layout) {
                throw .failed("cannot clear the ended sandbox \(layout.id): \(problem)", retryable: true)
            }
        }
        let profile = try IsolationProfile.make(request, layout: layout, options: options)
        let options = self.options
        let problem: String? = await Blocking.run {
            if FileIO.makeDirectories(options.root, mode: 0o711) != 0 || FileIO.makeDirectory(layout.directory, mode: 0o711) != 0 {
                return "cannot create \(layout.directory): \(String(cString: strerror(errno)))"
            }
            chmod(layout.directory, 0o711)
            guard FileIO.makeDirectory(layout.workspace, mode: 0o700) == 0 else {
                return "cannot create \(layout.workspace): \(String(cString: strerror(errno)))"
            }
            if let user = profile.user, chown(layout.workspace, user, user) != 0 {
                return "cannot give \(layout.workspace) to user \(user): \(String(cString: strerror(errno)))"
            }
            let meta = SandboxInfo(id: SandboxID(layout.id), runID: request.runID, effectKey: request.effectKey, epoch: request.epoch, ended: nil)
            let written = [
                FileIO.writeAtomically(layout.meta, meta.json.canonicalBytes),
                FileIO.writeAtomically(layout.config, profile.config.json.canonicalBytes),
                FileIO.writeAtomically(layout.lease, text: "\(request.leaseUntil.milliseconds)\n"),
            ]
            if let error = written.first(where: { $0 != 0 }) {
                return "cannot write the state of \(layout.id): \(String(cString: strerror(error)))"
            }
            return SupervisorProcess.launch(options.supervisorPath, layout: layout)
        }
        if let problem {
            _ = FileTree.remove(layout.directory)
            if let user = profile.user { SandboxUsers.release(user, from: layout.directory) }
            throw .failed(problem, retryable: true)
        }
        Failpoint.hit(.afterSandboxCreate)
        return SandboxInfo(id: SandboxID(layout.id), runID: request.runID, effectKey: request.effectKey, epoch: request.epoch, ended: nil)
    }

    /// The sandbox the intent with `effectKey` created, if its directory exists.
    public func find(effectKey: String) async -> SandboxInfo? {
        info(SandboxLayout(root: options.root, id: SandboxLayout.id(forEffectKey: effectKey)))
    }

    /// Every sandbox under the root.
    public func list() async -> [SandboxInfo] {
        FileTree.names(in: options.root).filter(SandboxLayout.isValidID).sorted().compactMap { info(SandboxLayout(root: options.root, id: $0)) }
    }

    /// Writes the new lease end; the supervisor reads it within a quarter second.
    public func renew(_ id: SandboxID, until: Timestamp) async throws(SandboxError) {
        let layout = try layout(id)
        guard let info = info(layout) else { throw .gone(id, reason: "no such sandbox") }
        if let ended = info.ended { throw .gone(id, reason: ended) }
        let error = FileIO.writeAtomically(layout.lease, text: "\(until.milliseconds)\n")
        guard error == 0 else { throw .failed("cannot renew \(id): \(String(cString: strerror(error)))", retryable: true) }
    }

    /// Asks the supervisor to kill everything and end; if it does not answer, kills it (its
    /// commands die with it). Then removes the sandbox's directory.
    public func kill(_ id: SandboxID, reason: String) async throws(SandboxError) {
        let layout = try layout(id)
        guard FileIO.exists(layout.directory) else { return }
        let problem: String? = await Blocking.run {
            let supervisor = SupervisorProcess.runningPID(layout)
            let request = ControlRequest.kill(reason: reason).json.canonicalBytes
            if (try? ControlSocket.exchange(layout.socketName, request: request, timeoutMilliseconds: Self.controlTimeout)) == nil, let supervisor {
                Glibc.kill(supervisor, SIGKILL)
            }
            // The supervisor exits right after answering; wait for it, so nothing outlives kill.
            for _ in 0..<1_000 {
                guard let supervisor, SupervisorProcess.isLive(supervisor) else { return Self.remove(layout) }
                usleep(2_000)
            }
            return "the supervisor of \(layout.id) did not exit"
        }
        if let problem {
            throw .failed("cannot kill \(id): \(problem)", retryable: true)
        }
    }

    /// Removes an ended sandbox's directory and gives back its user. Returns why not, if not.
    static func remove(_ layout: SandboxLayout) -> String? {
        let user = FileIO.read(layout.config).flatMap { try? SupervisorConfig(json: JSONValue.parse($0)) }?.user
        if let user {
            // Whatever escaped the supervisor's watch (a command orphaned while bubblewrap was
            // still setting up, a daemon of an unisolated command) dies with its user.
            csb_kill_user(user)
        }
        if let problem = FileTree.remove(layout.directory) { return problem }
        if let user { SandboxUsers.release(user, from: layout.directory) }
        return nil
    }

    /// The sandbox's metadata and whether it ended, if its directory exists.
    func info(_ layout: SandboxLayout) -> SandboxInfo? {
        guard let bytes = FileIO.read(layout.meta), let value = try? JSONValue.parse(bytes), var info = try? SandboxInfo(json: value) else {
            return nil
        }
        info.ended = ended(layout)
        return info
    }

    /// Why the sandbox ended, or `nil` if its supervisor runs.
    func ended(_ layout: SandboxLayout) -> String? {
        if let bytes = FileIO.read(layout.dead), let value = try? JSONValue.parse(bytes), let record = try? DeathRecord(json: value) {
            return record.reason
        }
        return SupervisorProcess.runningPID(layout) == nil ? "its supervisor is not running" : nil
    }
}
