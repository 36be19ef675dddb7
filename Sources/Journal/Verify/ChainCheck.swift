/// The result of checking the hash chain alone.
public struct ChainCheck: Sendable {
    /// Records read.
    public var records = 0
    /// The last record's sequence number.
    public var lastSeq: Int64 = 0
    /// The last record's stored hash.
    public var lastHash: [UInt8] = HashChain.genesis
    /// Problems found.
    public var problems: [VerifyProblem] = []
}
