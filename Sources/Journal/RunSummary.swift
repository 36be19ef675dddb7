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

    /// Creates a summary (stores and tests; readers get theirs from the store).
    public init(
        run: RunRef,
        machine: String,
        machineVersion: String,
        name: String?,
        idempotencyKey: String?,
        inputHash: String,
        stateName: String,
        terminal: Bool,
        lastRunSeq: Int,
        lastSeq: Int64,
        leaseEpoch: Int64,
        leaseOwner: String?,
        leaseExpiresAt: Timestamp?,
        createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.run = run
        self.machine = machine
        self.machineVersion = machineVersion
        self.name = name
        self.idempotencyKey = idempotencyKey
        self.inputHash = inputHash
        self.stateName = stateName
        self.terminal = terminal
        self.lastRunSeq = lastRunSeq
        self.lastSeq = lastSeq
        self.leaseEpoch = leaseEpoch
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension RunSummary {
    /// The run `text` names among `matches` (the runs whose ids start with it, in id order, a
    /// few at most): the one whose id it is, else the only one, if `text` has four characters
    /// or more.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/unknownRun`` if none or several
    ///   match.
    package static func matching(_ text: String, among matches: [RunSummary]) throws(JournalError) -> RunSummary {
        let prefix = text.lowercased()
        if let exact = matches.first(where: { $0.run.id.value == prefix }) {
            return exact
        }
        guard prefix.count >= 4, matches.count == 1 else {
            let detail =
                matches.isEmpty
                ? "no run has an id starting with '\(text)'; 'worker list' shows the runs"
                : "'\(text)' matches several runs (\(matches.map(\.run.id.value).joined(separator: ", "))); give more of the id"
            throw JournalError(.unknownRun, detail)
        }
        return matches[0]
    }
}
