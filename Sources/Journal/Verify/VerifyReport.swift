/// The result of verifying a journal.
public struct VerifyReport: Sendable {
    /// Records in the journal.
    public var records = 0
    /// Runs replayed.
    public var runs = 0
    /// The last record's sequence number.
    public var lastSeq: Int64 = 0
    /// The head file's record, if it could be read.
    public var headFileSeq: Int64?
    /// Everything found wrong, in the order found (chain, head, replay, projection).
    public var problems: [VerifyProblem] = []
    /// Conditions that weaken the guarantees without being damage (such as a missing head file).
    public var warnings: [String] = []

    /// Creates an empty report.
    public init() {}

    /// Whether nothing is wrong.
    public var ok: Bool { problems.isEmpty }
}
