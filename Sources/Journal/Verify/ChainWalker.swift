import RunStateMachine

/// Checks the hash chain one record at a time, in sequence order: each record's sequence number
/// against the one before, its stored `prev_hash` against the previous record's stored hash, and
/// its content against its own hash. Every check uses stored hashes only, so one changed record
/// is reported once rather than breaking everything after it. What a store that reads its
/// records as ``JournalRecord``s walks them with (the embedded store checks its rows in place).
package struct ChainWalker: Sendable {
    /// What the walk has found so far.
    package private(set) var check = ChainCheck()
    private let maxProblems: Int
    private var expected: Int64 = 1

    /// A walk that keeps at most `maxProblems` problems.
    package init(maxProblems: Int) {
        self.maxProblems = maxProblems
    }

    /// Checks the next record.
    package mutating func feed(_ record: JournalRecord) {
        check.records += 1
        if record.seq != expected {
            report(VerifyProblem.gap(at: record.seq, expected: expected))
        }
        expected = record.seq.addingSaturated(1)
        if record.prevHash.count != 32 || record.hash.count != 32 {
            report(VerifyProblem(code: .malformedRecord, seq: record.seq, run: nil, message: "the record's hash columns are not ones the journal writes"))
            return
        }
        if record.prevHash != check.lastHash {
            report(VerifyProblem.brokenLink(at: record.seq))
        }
        check.lastSeq = record.seq
        check.lastHash = record.hash
        guard let hash = HashChain.hash(of: record, prev: record.prevHash) else {
            report(VerifyProblem.unknownFormat(record.format, at: record.seq))
            return
        }
        if hash != record.hash {
            report(VerifyProblem.hashMismatch(at: record.seq))
        }
    }

    /// Notes a record whose columns could not be read as a record (its kind or answers).
    package mutating func feedMalformed(seq: Int64) {
        check.records += 1
        if seq != expected {
            report(VerifyProblem.gap(at: seq, expected: expected))
        }
        expected = seq.addingSaturated(1)
        report(VerifyProblem(code: .malformedRecord, seq: seq, run: nil, message: "the record's kind or answers column is not one the journal writes"))
    }

    private mutating func report(_ problem: VerifyProblem) {
        if check.problems.count < maxProblems {
            check.problems.append(problem)
        }
    }
}

extension VerifyProblem {
    /// Sequence numbers skip from `expected` to `seq`, or go back.
    package static func gap(at seq: Int64, expected: Int64) -> VerifyProblem {
        VerifyProblem(
            code: .sequenceGap,
            seq: seq,
            run: nil,
            message: seq > expected ? "records \(expected)…\(seq - 1) are missing" : "sequence number \(seq) repeats or goes back (expected \(expected))"
        )
    }

    /// The record at `seq` does not link to the one before it.
    package static func brokenLink(at seq: Int64) -> VerifyProblem {
        VerifyProblem(code: .brokenLink, seq: seq, run: nil, message: "it does not link to the record before it (a record was removed, changed or reordered)")
    }

    /// The record at `seq` is in a format this build cannot check.
    package static func unknownFormat(_ format: Int64, at seq: Int64) -> VerifyProblem {
        VerifyProblem(
            code: .unknownFormat,
            seq: seq,
            run: nil,
            message: "the record is in record format \(format), which this build cannot check (it knows \(HashChain.knownFormatsDescription)): a newer Runlog wrote it; verify with that build"
        )
    }

    /// The record at `seq` does not match its hash.
    package static func hashMismatch(at seq: Int64) -> VerifyProblem {
        VerifyProblem(code: .hashMismatch, seq: seq, run: nil, message: "its content does not match its hash (it was changed)")
    }
}
