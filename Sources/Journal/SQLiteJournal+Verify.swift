import Crypto
import Dispatch
import RunStateMachine
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension SQLiteJournal {
    /// Verifies the whole journal: the hash chain (every record's content, link and sequence
    /// number), the head file (nothing missing at the end), every run replayed through its
    /// machine, and the `runs` projection against the replayed journal.
    ///
    /// - Parameters:
    ///   - registry: The machines to replay with.
    ///   - maxProblems: Stop collecting after this many problems.
    public func verify(registry: MachineRegistry = .standard, maxProblems: Int = 50) throws(JournalError) -> VerifyReport {
        var report = VerifyReport()
        let chain = try verifyChain(maxProblems: maxProblems)
        report.records = chain.records
        report.lastSeq = chain.lastSeq
        report.problems = chain.problems
        checkHeadFile(chain, into: &report)
        let replays = try replayAll(registry: registry)
        report.runs = replays.count
        for (_, replay) in replays.sorted(by: { $0.key < $1.key }) {
            if let divergence = replay.divergence, report.problems.count < maxProblems {
                report.problems.append(
                    VerifyProblem(code: .replayDivergence, seq: divergence.seq, run: replay.runID, message: divergence.problem)
                )
            }
        }
        for problem in try compareProjection(with: replays) where report.problems.count < maxProblems {
            report.problems.append(problem)
        }
        return report
    }

    /// Walks the journal in sequence order and recomputes every hash.
    ///
    /// Each record is checked against its own stored `prev_hash`, and the next record against
    /// this record's stored hash, so one changed record is reported once rather than breaking
    /// everything after it. Because every check uses stored hashes only, a large journal is
    /// checked in consecutive ranges of records at once (one read connection each), and the
    /// links between the ranges afterwards: the result is the same as one pass in order.
    ///
    /// - Parameter segments: How many ranges to check at once (default: one per processor, at
    ///   most one per read connection; one for a small journal).
    public func verifyChain(maxProblems: Int = 50, segments: Int? = nil) throws(JournalError) -> ChainCheck {
        let (first, last) = try read { connection throws(SQLiteError) -> (Int64, Int64) in
            let query = try connection.prepare("SELECT coalesce(min(seq), 1), coalesce(max(seq), 0) FROM journal")
            _ = try query.step()
            return (query.int64(0), query.int64(1))
        }
        // Sequence numbers are read from the file: the arithmetic on them saturates.
        let span = max(0, last.subtractingSaturated(first).addingSaturated(1))
        let count = max(1, segments ?? (span < 20_000 ? 1 : min(options.readers, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))))
        let step = span / Int64(count)
        let boundary = { (index: Int64) in first.addingSaturated(step.multipliedSaturated(by: index)) }
        let bounds: [(Int64, Int64)] = (0..<Int64(count)).map { index in
            let lower = index == 0 ? Int64.min : boundary(index)
            let upper = index == Int64(count) - 1 ? Int64.max : boundary(index + 1).subtractingSaturated(1)
            return (lower, upper)
        }
        let results = Mutex<[Int: Result<ChainSegment, JournalError>]>([:])
        DispatchQueue.concurrentPerform(iterations: bounds.count) { index in
            let result: Result<ChainSegment, JournalError>
            do throws(JournalError) {
                result = .success(try read { connection throws(SQLiteError) in
                    try Self.checkSegment(connection, columns: recordColumns, from: bounds[index].0, through: bounds[index].1, maxProblems: maxProblems)
                })
            } catch {
                result = .failure(error)
            }
            results.withLock { $0[index] = result }
        }
        var check = ChainCheck()
        var problems: [VerifyProblem] = []
        var lastRecordSeq: Int64 = 0
        for index in bounds.indices {
            guard let outcome = results.withLock({ $0[index] }) else { continue }
            let segment = try outcome.get()
            guard let firstSeq = segment.firstSeq else { continue }
            // The checks the segment could not make: its first record's sequence number, and its
            // first readable record's link, against the records before the segment.
            let expected = lastRecordSeq.addingSaturated(1)
            if firstSeq != expected {
                problems.append(VerifyProblem.gap(at: firstSeq, expected: expected))
            }
            if let (seq, firstPrev) = segment.firstLink, !firstPrev.elementsEqual(check.lastHash) {
                problems.append(VerifyProblem.brokenLink(at: seq))
            }
            problems += segment.problems
            check.records += segment.records
            lastRecordSeq = segment.lastRecordSeq
            if let lastHash = segment.lastHash {
                check.lastSeq = segment.lastSeq
                check.lastHash = lastHash
            }
        }
        // In record order (a stable sort keeps one record's problems in the order of one pass).
        check.problems = Array(problems.enumerated().sorted { ($0.element.seq ?? 0, $0.offset) < ($1.element.seq ?? 0, $1.offset) }.map(\.element).prefix(maxProblems))
        return check
    }

    /// What one range of records showed.
    struct ChainSegment: Sendable {
        var records = 0
        var firstSeq: Int64?
        /// The first readable record's sequence number and stored `prev_hash`.
        var firstLink: (seq: Int64, prev: [UInt8])?
        /// The last record's sequence number, readable or not.
        var lastRecordSeq: Int64 = 0
        /// The last readable record's sequence number.
        var lastSeq: Int64 = 0
        /// The last readable record's stored hash.
        var lastHash: [UInt8]?
        var problems: [VerifyProblem] = []
    }

    /// Checks the records with `lower <= seq <= upper`, all but the first one's sequence number
    /// and the first readable one's link (the caller checks those against the range before).
    static func checkSegment(
        _ connection: SQLiteConnection,
        columns: String,
        from lower: Int64,
        through upper: Int64,
        maxProblems: Int
    ) throws(SQLiteError) -> ChainSegment {
        var segment = ChainSegment()
        func report(_ problem: VerifyProblem) {
            if segment.problems.count < maxProblems {
                segment.problems.append(problem)
            }
        }
        let query = try connection.prepare("SELECT \(columns) FROM journal WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq")
        query.bind(1, lower)
        query.bind(2, upper)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(4096)
        var previous: [UInt8]?
        var expected: Int64?
        while try query.step() {
            let seq = query.int64(0)
            segment.records += 1
            let isFirst = expected == nil
            if isFirst {
                segment.firstSeq = seq
            }
            if let expected, seq != expected {
                report(VerifyProblem.gap(at: seq, expected: expected))
            }
            expected = seq.addingSaturated(1)
            segment.lastRecordSeq = seq
            guard let kindBytes = query.rawBytes(4), let kind = RecordKind(utf8: kindBytes),
                let storedPrev = query.rawBytes(12), storedPrev.count == 32,
                let storedHash = query.rawBytes(13), storedHash.count == 32,
                let event = query.rawBytes(7)
            else {
                report(VerifyProblem(code: .malformedRecord, seq: seq, run: nil, message: "the record's kind or hash columns are not ones the journal writes"))
                continue
            }
            if let previous {
                if !storedPrev.elementsEqual(previous) {
                    report(VerifyProblem.brokenLink(at: seq))
                }
            } else {
                segment.firstLink = (seq, Array(storedPrev))
            }
            previous = Array(storedHash)
            segment.lastSeq = seq
            let format = query.int64(14)
            guard HashChain.knownFormats.contains(format) else {
                // Its link is checked, and the next record's link to it; its content cannot be.
                report(VerifyProblem.unknownFormat(format, at: seq))
                continue
            }
            // The canonical bytes, assembled in one buffer and hashed in one call.
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: storedPrev)
            HashChain.appendHeader(
                to: &scratch,
                seq: seq,
                runNo: query.int64(1),
                runSeq: query.int64(2),
                runPrev: query.int64(3),
                kind: kind,
                epoch: query.int64(5),
                atMilliseconds: query.int64(6)
            )
            HashChain.appendField(event, to: &scratch)
            for column: Int32 in 8...11 {
                HashChain.appendField(query.rawBytes(column), to: &scratch)
            }
            let matches = SHA256.hash(data: scratch).withUnsafeBytes { $0.elementsEqual(storedHash) }
            if !matches {
                report(VerifyProblem.hashMismatch(at: seq))
            }
        }
        segment.lastHash = previous
        return segment
    }

    /// Compares the head file with the chain's end.
    private func checkHeadFile(_ chain: ChainCheck, into report: inout VerifyReport) {
        switch HeadFile.read(path: Self.headPath(for: path)) {
        case .missing:
            if chain.records > 0 {
                report.warnings.append("there is no head file (\(Self.headPath(for: path))): records lost at the end could not be detected")
            }
        case .unreadable(let reason):
            report.problems.append(VerifyProblem(code: .headUnreadable, seq: nil, run: nil, message: "the head file cannot be read: \(reason)"))
        case .head(let seq, let hash):
            report.headFileSeq = seq
            if seq > chain.lastSeq {
                report.problems.append(
                    VerifyProblem(
                        code: .truncated,
                        seq: chain.lastSeq + 1,
                        run: nil,
                        message: "the journal ends at record \(chain.lastSeq) but its head file records \(seq): records \(chain.lastSeq + 1)…\(seq) are missing (truncated, or an older copy)"
                    )
                )
            } else if let stored = try? read({ connection throws(SQLiteError) in
                let query = try connection.prepare("SELECT hash FROM journal WHERE seq = ?1")
                query.bind(1, seq)
                return try query.step() ? query.bytes(0) : nil
            }), stored != hash {
                report.problems.append(
                    VerifyProblem(code: .headMismatch, seq: seq, run: nil, message: "its hash differs from the one the head file records (rewritten?)")
                )
            }
        }
    }

    /// Replays every run in one pass over the journal in sequence order, keeping one fold per
    /// run (so memory grows with the number of runs, not of records).
    ///
    /// The runs are spread over `workers` threads by run number; each thread reads the journal
    /// in order on its own connection and folds the records of its runs (skipping the others
    /// costs a step, while handing records from one reading thread to the others cost more).
    public func replayAll(registry: MachineRegistry = .standard, workers: Int = 2) throws(JournalError) -> [Int64: RunReplay] {
        let count = max(1, min(workers, options.readers))
        let shards = (0..<count).map { _ in ReplayShard(registry: registry) }
        let failures = Mutex<JournalError?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let shard = shards[index]
            do throws(JournalError) {
                try read { connection throws(SQLiteError) in
                    let query = try connection.prepare("SELECT \(recordColumns) FROM journal ORDER BY seq")
                    while try query.step() {
                        let runNo = query.int64(1)
                        guard Int(UInt64(bitPattern: runNo) % UInt64(count)) == index else { continue }
                        if let record = Self.record(query, hashes: false) {
                            shard.consume(.record(record))
                        } else {
                            shard.consume(.malformed(runNo: runNo, seq: query.int64(0), runSeq: query.int(2)))
                        }
                    }
                }
            } catch {
                failures.withLock { $0 = $0 ?? error }
            }
        }
        if let failure = failures.withLock({ $0 }) {
            throw failure
        }
        var replays: [Int64: RunReplay] = [:]
        for shard in shards {
            for (runNo, fold) in shard.folds {
                replays[runNo] = fold.replay
            }
        }
        return replays
    }

    /// Compares every `runs` and `run_heads` row with the run's replay.
    private func compareProjection(with replays: [Int64: RunReplay]) throws(JournalError) -> [VerifyProblem] {
        let unmatched = try read { connection throws(SQLiteError) in
            let query = try connection.prepare(
                """
                SELECT run_no, 'runs' FROM runs WHERE run_no NOT IN (SELECT run_no FROM run_heads)
                UNION ALL SELECT run_no, 'run_heads' FROM run_heads WHERE run_no NOT IN (SELECT run_no FROM runs)
                """
            )
            var rows: [(Int64, String)] = []
            while try query.step() {
                rows.append((query.int64(0), query.text(1)))
            }
            return rows
        }
        return ProjectionCheck.problems(rows: try runs(limit: Int.max), unmatched: unmatched, replays: replays)
    }
}
