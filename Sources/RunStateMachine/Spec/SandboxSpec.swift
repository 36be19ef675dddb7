/// Where and how a job's sandbox is created.
public struct SandboxSpec: Hashable, Sendable {
    /// Who provides the sandbox.
    public enum Provider: String, Hashable, Sendable, CaseIterable {
        /// A local process isolated with bubblewrap, held by a supervisor that outlives the worker.
        case local
        /// An E2B cloud sandbox.
        case e2b
    }

    /// How a local sandbox is isolated.
    public enum Isolation: String, Hashable, Sendable, CaseIterable {
        /// bubblewrap with all namespaces unshared (the default).
        case bubblewrap
        /// No isolation: an explicit opt-out for trusted jobs on machines without bubblewrap.
        case none
    }

    /// The provider.
    public var provider: Provider
    /// The E2B template (E2B only; `nil` means the provider's default).
    public var template: String?
    /// Local isolation (local only).
    public var isolation: Isolation
    /// The sandbox's lease: the worker re-arms it while alive; if the worker dies, the sandbox
    /// dies by itself within this many seconds.
    public var timeoutSeconds: Int
    /// Plain environment variables (never secrets).
    public var env: [String: String]
    /// Names of secrets the worker resolves at effect time and passes through the environment.
    public var secrets: [String]
    /// Resource limits.
    public var limits: ResourceLimits
    /// Host directories bound into a local sandbox.
    public var mounts: [MountSpec]

    /// Creates a sandbox spec from parts that are already valid.
    public init(
        provider: Provider = .local,
        template: String? = nil,
        isolation: Isolation = .bubblewrap,
        timeoutSeconds: Int = SpecLimits.defaultSandboxTimeoutSeconds,
        env: [String: String] = [:],
        secrets: [String] = [],
        limits: ResourceLimits = ResourceLimits(),
        mounts: [MountSpec] = []
    ) {
        self.provider = provider
        self.template = template
        self.isolation = isolation
        self.timeoutSeconds = timeoutSeconds
        self.env = env
        self.secrets = secrets
        self.limits = limits
        self.mounts = mounts
    }
}
