/// The first record at which a run's journal and its machine disagree.
public struct ReplayDivergence: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record's global sequence number.
    public let seq: Int64
    /// The record's position within the run.
    public let runSeq: Int
    /// What disagrees.
    public let problem: String

    /// Creates a divergence report.
    public init(seq: Int64, runSeq: Int, problem: String) {
        self.seq = seq
        self.runSeq = runSeq
        self.problem = problem
    }

    /// `record 57 (run record 4): ...`.
    public var description: String {
        "record \(seq) (run record \(runSeq)): \(problem)"
    }
}
