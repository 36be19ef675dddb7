import RunStateMachine

/// What a sandbox is created with: who it belongs to (so it can be found again after a crash)
/// and how it is confined.
public struct SandboxRequest: Sendable {
    /// The run it belongs to.
    public var runID: String
    /// The `createSandbox` intent's effect key; creating twice with one key gives one sandbox.
    public var effectKey: String
    /// The lease epoch of the run's owner.
    public var epoch: Int64
    /// The spec's sandbox section (isolation, limits, mounts, lease).
    public var spec: SandboxSpec
    /// When the sandbox's lease ends unless renewed.
    public var leaseUntil: Timestamp

    /// Creates a request.
    public init(runID: String, effectKey: String, epoch: Int64, spec: SandboxSpec, leaseUntil: Timestamp) {
        self.runID = runID
        self.effectKey = effectKey
        self.epoch = epoch
        self.spec = spec
        self.leaseUntil = leaseUntil
    }
}
