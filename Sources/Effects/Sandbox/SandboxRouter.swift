import RunStateMachine

/// The sandbox providers of a worker behind one ``SandboxProvider``: a sandbox is created by the
/// provider its spec names, and every later call goes to the provider its id belongs to (E2B
/// ids carry the `e2b:` prefix), so recovery, compensation and the orphan sweep are written once.
public struct SandboxRouter: SandboxProvider {
    /// Local sandboxes.
    public let local: any SandboxProvider
    /// E2B sandboxes, if the worker offers them.
    public let e2b: E2BSandboxProvider?

    /// A router over `local` and, if given, `e2b`.
    public init(local: any SandboxProvider, e2b: E2BSandboxProvider? = nil) {
        self.local = local
        self.e2b = e2b
    }

    /// The provider a spec's `provider` names.
    public func provider(for kind: SandboxSpec.Provider) throws(SandboxError) -> any SandboxProvider {
        switch kind {
        case .local:
            return local
        case .e2b:
            guard let e2b else { throw .invalidRequest("this worker has no E2B provider configured: use \"provider\": \"local\"") }
            return e2b
        }
    }

    private func provider(holding id: SandboxID) throws(SandboxError) -> any SandboxProvider {
        try provider(for: E2BSandboxProvider.holds(id) ? .e2b : .local)
    }

    /// Creates the sandbox with the provider the request's spec names.
    public func create(_ request: SandboxRequest) async throws(SandboxError) -> SandboxInfo {
        try await provider(for: request.spec.provider).create(request)
    }

    /// The sandbox the key created, asking each provider.
    public func find(effectKey: String) async -> SandboxInfo? {
        if let found = await local.find(effectKey: effectKey) { return found }
        return await e2b?.find(effectKey: effectKey)
    }

    /// The sandbox the key created, asking the provider `kind` only.
    public func find(effectKey: String, provider kind: SandboxSpec.Provider) async -> SandboxInfo? {
        await (try? provider(for: kind))?.find(effectKey: effectKey)
    }

    /// Every provider's sandboxes.
    public func list() async -> [SandboxInfo] {
        await local.list() + (await e2b?.list() ?? [])
    }

    /// Renews through the sandbox's provider.
    public func renew(_ id: SandboxID, until: Timestamp) async throws(SandboxError) {
        try await provider(holding: id).renew(id, until: until)
    }

    /// Kills through the sandbox's provider.
    public func kill(_ id: SandboxID, reason: String) async throws(SandboxError) {
        try await provider(holding: id).kill(id, reason: reason)
    }

    /// Starts through the sandbox's provider.
    public func start(_ command: CommandRequest, in id: SandboxID) async throws(SandboxError) {
        try await provider(holding: id).start(command, in: id)
    }

    /// Asks the sandbox's provider.
    public func status(ofCommand key: String, in id: SandboxID) async -> CommandStatus {
        do {
            return try await provider(holding: id).status(ofCommand: key, in: id)
        } catch {
            return .unknowable(reason: error.description)
        }
    }

    /// Waits through the sandbox's provider.
    public func wait(forCommand key: String, in id: SandboxID) async throws -> StepResult {
        try await provider(holding: id).wait(forCommand: key, in: id)
    }

    /// Reads through the sandbox's provider.
    public func output(ofCommand key: String, in id: SandboxID) async throws(SandboxError) -> CommandOutput {
        try await provider(holding: id).output(ofCommand: key, in: id)
    }

    /// Copies through the sandbox's provider.
    public func copyOut(_ path: String, from id: SandboxID, to destination: String) async throws(SandboxError) -> ArtifactDigest {
        try await provider(holding: id).copyOut(path, from: id, to: destination)
    }
}
