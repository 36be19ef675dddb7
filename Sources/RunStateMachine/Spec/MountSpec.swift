/// A host directory bound into a local sandbox.
public struct MountSpec: Hashable, Sendable {
    /// The absolute host path.
    public var host: String
    /// The absolute path inside the sandbox.
    public var sandbox: String
    /// Whether the sandbox may only read it.
    public var readOnly: Bool

    /// Creates a mount.
    public init(host: String, sandbox: String, readOnly: Bool = true) {
        self.host = host
        self.sandbox = sandbox
        self.readOnly = readOnly
    }
}
