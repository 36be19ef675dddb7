/// A validated job: what to run, in which sandbox, within which limits.
///
/// Built only by ``JobSpec/validate(_:)`` (or ``JobSpec/init(json:)``, which applies the same
/// rules), so every value satisfies ``SpecLimits``. Defaults are filled in; ``json`` is the
/// normalized form the journal stores and the idempotency check hashes.
public struct JobSpec: Hashable, Sendable {
    /// The kinds of job.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// Shell steps run in order in one sandbox.
        case shell
        /// An LLM tool-use loop whose tools run in the sandbox.
        case agent
    }

    /// The kind of job.
    public var kind: Kind
    /// An optional label for people.
    public var name: String?
    /// A client key: submitting the same key again returns the same run.
    public var idempotencyKey: String?
    /// The run must finish within this many seconds of submission.
    public var deadlineSeconds: Int
    /// The sandbox the job runs in.
    public var sandbox: SandboxSpec
    /// The steps of a shell job, in order (empty for agent jobs).
    public var steps: [StepSpec]
    /// The agent configuration of an agent job (`nil` for shell jobs).
    public var agent: AgentSpec?
    /// Workspace-relative paths copied out of the sandbox before it is torn down.
    public var collect: [String]

    /// Creates a spec from parts that are already valid.
    public init(
        kind: Kind,
        name: String? = nil,
        idempotencyKey: String? = nil,
        deadlineSeconds: Int = SpecLimits.defaultDeadlineSeconds,
        sandbox: SandboxSpec = SandboxSpec(),
        steps: [StepSpec] = [],
        agent: AgentSpec? = nil,
        collect: [String] = []
    ) {
        self.kind = kind
        self.name = name
        self.idempotencyKey = idempotencyKey
        self.deadlineSeconds = deadlineSeconds
        self.sandbox = sandbox
        self.steps = steps
        self.agent = agent
        self.collect = collect
    }
}
