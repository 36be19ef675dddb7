import RunStateMachine

/// What folding a run's records through its machine produced: the projection of the run, and
/// the first divergence if the journal and the machine disagree.
public struct RunReplay: Sendable {
    /// The run's id, from its first record.
    public var runID: RunID?
    /// The machine name recorded at creation.
    public var machine: String?
    /// The machine version recorded at creation.
    public var version: String?
    /// The revision of that version, if this build has it (`nil` when it cannot replay the run).
    public var revision: Int?
    /// The run's label.
    public var name: String?
    /// The client's idempotency key.
    public var idempotencyKey: String?
    /// SHA-256 (hex) of the canonical input.
    public var inputHash: String?
    /// Records folded.
    public var records = 0
    /// The name of the state reached.
    public var stateName: String?
    /// The state reached, as canonical JSON.
    public var state: [UInt8]?
    /// Whether it is terminal.
    public var terminal = false
    /// The last record's position within the run.
    public var lastRunSeq = 0
    /// The last record's global sequence number.
    public var lastSeq: Int64 = 0
    /// The lease epoch reached.
    public var leaseEpoch: Int64 = 0
    /// When the run was created.
    public var createdAt: Timestamp?
    /// When its last record was appended.
    public var updatedAt: Timestamp?
    /// Intents journaled and neither answered nor abandoned: what recovery must settle.
    public var pending: [IntentID] = []
    /// Each record (when asked for).
    public var steps: [ReplayStep] = []
    /// The first disagreement, if any.
    public var divergence: ReplayDivergence?

    /// Creates an empty replay.
    public init() {}
}
