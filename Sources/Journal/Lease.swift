import RunStateMachine

/// The right to drive a run: only appends carrying this lease's epoch are accepted, until
/// another owner acquires a newer one.
public struct Lease: Hashable, Sendable {
    /// The run.
    public let run: RunRef
    /// Who holds it.
    public let owner: String
    /// The fencing epoch.
    public let epoch: Int64
    /// Until when other owners are kept out (renewed while the owner is alive).
    public let expiresAt: Timestamp
    /// The run sequence number of the lease record.
    public let runSeq: Int
    /// The global sequence number of the lease record.
    public let seq: Int64

    /// Creates a lease as the journal granted it (stores and tests; drivers get theirs from
    /// the store).
    public init(run: RunRef, owner: String, epoch: Int64, expiresAt: Timestamp, runSeq: Int, seq: Int64) {
        self.run = run
        self.owner = owner
        self.epoch = epoch
        self.expiresAt = expiresAt
        self.runSeq = runSeq
        self.seq = seq
    }
}
