import RunStateMachine

/// Creates, finds, keeps alive and kills sandboxes, and runs commands in them at most once per
/// key. Local and E2B sandboxes have these same semantics, so recovery, compensation and the
/// orphan sweep are written once.
///
/// - A sandbox carries metadata (run id, effect key, epoch) and is found again by its effect key.
/// - It has a lease that the worker re-arms; a sandbox whose worker died ends by itself.
/// - Killing is idempotent: a sandbox that is already gone counts as killed.
/// - A command's started marker, exit code and capped output survive a worker crash.
public protocol SandboxProvider: Sendable {
    /// Creates the sandbox `request` asks for; if that request's key already created a sandbox
    /// that is alive, returns it instead.
    func create(_ request: SandboxRequest) async throws(SandboxError) -> SandboxInfo

    /// The sandbox created by the intent with `effectKey`, alive or ended, or `nil` if none exists.
    func find(effectKey: String) async -> SandboxInfo?

    /// Every sandbox the provider holds for this journal (for the orphan sweep).
    func list() async -> [SandboxInfo]

    /// Moves the sandbox's lease end to `until`.
    func renew(_ id: SandboxID, until: Timestamp) async throws(SandboxError)

    /// Kills the sandbox and everything in it; a sandbox that is already gone counts as killed.
    func kill(_ id: SandboxID, reason: String) async throws(SandboxError)

    /// Starts `command` in the sandbox unless a command with its key already started there.
    func start(_ command: CommandRequest, in id: SandboxID) async throws(SandboxError)

    /// What the sandbox's records say about the command with `key`.
    func status(ofCommand key: String, in id: SandboxID) async -> CommandStatus

    /// Waits until the command with `key` ends and returns its result; if the sandbox dies first,
    /// the result's exit is ``StepExit/sandboxLost(reason:)``.
    ///
    /// - Throws: `CancellationError` when the waiting task is cancelled (the command goes on).
    func wait(forCommand key: String, in id: SandboxID) async throws -> StepResult

    /// What the sandbox kept of the output of the command with `key` (empty streams if none
    /// was kept).
    func output(ofCommand key: String, in id: SandboxID) async throws(SandboxError) -> CommandOutput
    /// Copies the workspace file at `path` (relative to the workspace) to the host path
    /// `destination`, and returns its size and hash.
    func copyOut(_ path: String, from id: SandboxID, to destination: String) async throws(SandboxError) -> ArtifactDigest
}
