/// What the journal hands back for a committed record.
public struct JournalReceipt: Hashable, Sendable {
    /// The record's global sequence number.
    public let seq: Int64
    /// The record's position within its run.
    public let runSeq: Int
    /// The record's chain hash.
    public let hash: [UInt8]

    /// Creates a receipt (stores and tests).
    public init(seq: Int64, runSeq: Int, hash: [UInt8]) {
        self.seq = seq
        self.runSeq = runSeq
        self.hash = hash
    }
}
