import RunStateMachine

/// Something `verify` found wrong with a journal.
public struct VerifyProblem: Hashable, Sendable, CustomStringConvertible {
    /// The kinds of problem.
    public enum Code: String, Hashable, Sendable {
        /// Sequence numbers skip: records were removed.
        case sequenceGap
        /// A record's `prev_hash` is not the previous record's hash: a record before it was
        /// removed, changed or reordered.
        case brokenLink
        /// A record's content does not match its hash: it was changed.
        case hashMismatch
        /// A record's columns are not ones the journal writes.
        case malformedRecord
        /// A record is in a record format this build does not know (a newer Runlog wrote it).
        case unknownFormat
        /// The journal ends before the head recorded beside it: records at the end are missing.
        case truncated
        /// The head file records a hash the journal does not have at that record.
        case headMismatch
        /// The head file cannot be read.
        case headUnreadable
        /// A witness kept outside the database saw another hash at a record: the journal was
        /// rewritten at or before it.
        case witnessMismatch
        /// Replaying a run through its machine disagrees with what was recorded.
        case replayDivergence
        /// The `runs` projection differs from what the journal says.
        case projectionMismatch
    }

    /// The kind of problem.
    public let code: Code
    /// The record concerned, if any.
    public let seq: Int64?
    /// The run concerned, if any.
    public let run: RunID?
    /// What is wrong.
    public let message: String

    /// A problem found by a store's verification.
    package init(code: Code, seq: Int64?, run: RunID?, message: String) {
        self.code = code
        self.seq = seq
        self.run = run
        self.message = message
    }

    /// `record 57: ...` or `run 01j...: ...`.
    public var description: String {
        var subject: [String] = []
        if let seq { subject.append("record \(seq)") }
        if let run { subject.append("run \(run)") }
        return (subject.isEmpty ? "" : subject.joined(separator: ", ") + ": ") + message
    }
}
