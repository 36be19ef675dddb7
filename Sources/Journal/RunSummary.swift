import RunStateMachine

/// A run as the `runs` projection shows it.
public struct RunSummary: Hashable, Sendable {
    /// The run.
    public let run: RunRef
    /// The machine's name.
    public let machine: String
    /// The machine version the run was created with.
    public let machineVersion: String
    /// The run's label.
    public let name: String?
    /// The client's idempotency key.
    public let idempotencyKey: String?
    /// SHA-256 (hex) of the run's canonical input.
    public let inputHash: String
    /// The current state's name.
    public let stateName: String
    /// Whether the run has finished.
    public let terminal: Bool
    /// The run's last record number.
    public let lastRunSeq: Int
    /// The global sequence number of the run's last record.
    public let lastSeq: Int64
    /// The current lease epoch (0 if never leased).
    public let leaseEpoch: Int64
    /// Who holds the lease, if anyone has.
    public let leaseOwner: String?
    /// When the lease expires.
    public let leaseExpiresAt: Timestamp?
    /// When the run was created.
    public let createdAt: Timestamp
    /// When its last record was appended.
    public let updatedAt: Timestamp
}
