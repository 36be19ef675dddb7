import Crypto
import Dispatch
import RunStateMachine

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
    /// everything after it.
    public func verifyChain(maxProblems: Int = 50) throws(JournalError) -> ChainCheck {
        try read { connection throws(SQLiteError) in
            var check = ChainCheck()
            func report(_ code: VerifyProblem.Code, _ seq: Int64, _ message: String) {
                if check.problems.count < maxProblems {
                    check.problems.append(VerifyProblem(code: code, seq: seq, run: nil, message: message))
                }
            }
            let query = try connection.prepare("SELECT \(Self.recordColumns) FROM journal ORDER BY seq")
            var scratch: [UInt8] = []
            scratch.reserveCapacity(4096)
            var previous = HashChain.genesis
            var expected: Int64 = 1
            while try query.step() {
                let seq = query.int64(0)
                check.records += 1
                if seq != expected {
                    report(
                        .sequenceGap,
                        seq,
                        seq > expected ? "records \(expected)…\(seq - 1) are missing" : "sequence number \(seq) repeats or goes back (expected \(expected))"
                    )
                }
                expected = seq + 1
                guard let kindBytes = query.rawBytes(4), let kind = RecordKind(utf8: kindBytes),
                    let storedPrev = query.rawBytes(12), storedPrev.count == 32,
                    let storedHash = query.rawBytes(13), storedHash.count == 32,
                    let event = query.rawBytes(7)
                else {
                    report(.malformedRecord, seq, "the record's kind or hash columns are not ones the journal writes")
                    continue
                }
                if !storedPrev.elementsEqual(previous) {
                    report(.brokenLink, seq, "it does not link to the record before it (a record was removed, changed or reordered)")
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
                    report(.hashMismatch, seq, "its content does not match its hash (it was changed)")
                }
                previous.withUnsafeMutableBytes { $0.copyMemory(from: storedHash) }
                check.lastSeq = seq
            }
            check.lastHash = previous
            return check
        }
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
    /// The calling thread reads; folding is spread over `workers` threads by run, each run's
    /// records going to one worker in order.
    public func replayAll(registry: MachineRegistry = .standard, workers: Int = 2) throws(JournalError) -> [Int64: RunReplay] {
        let shards = (0..<max(1, workers)).map { ReplayShard(index: $0, registry: registry) }
        let chunkSize = 512
        let inFlight = DispatchSemaphore(value: shards.count * 4)
        var chunks = [[ReplayShard.Item]](repeating: [], count: shards.count)
        func dispatch(_ index: Int) {
            guard !chunks[index].isEmpty else { return }
            let chunk = chunks[index]
            chunks[index].removeAll(keepingCapacity: true)
            let shard = shards[index]
            inFlight.wait()
            shard.queue.async {
                shard.consume(chunk)
                inFlight.signal()
            }
        }
        try read { connection throws(SQLiteError) in
            let query = try connection.prepare("SELECT \(Self.recordColumns) FROM journal ORDER BY seq")
            while try query.step() {
                let runNo = query.int64(1)
                let index = Int(UInt64(bitPattern: runNo) % UInt64(shards.count))
                if let record = Self.record(query, hashes: false) {
                    chunks[index].append(.record(record))
                } else {
                    chunks[index].append(.malformed(runNo: runNo, seq: query.int64(0), runSeq: query.int(2)))
                }
                if chunks[index].count >= chunkSize {
                    dispatch(index)
                }
            }
        }
        for index in shards.indices {
            dispatch(index)
        }
        var replays: [Int64: RunReplay] = [:]
        for shard in shards {
            shard.queue.sync {}
            for (runNo, fold) in shard.folds {
                replays[runNo] = fold.replay
            }
        }
        return replays
    }

    /// Compares every `runs` and `run_heads` row with the run's replay.
    private func compareProjection(with replays: [Int64: RunReplay]) throws(JournalError) -> [VerifyProblem] {
        var problems: [VerifyProblem] = []
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
        for (number, table) in unmatched {
            problems.append(
                VerifyProblem(code: .projectionMismatch, seq: nil, run: replays[number]?.runID, message: "run \(number) has a \(table) row but no matching row in the other table")
            )
        }
        let rows = try runs(limit: Int.max)
        var seen: Set<Int64> = []
        for row in rows {
            seen.insert(row.run.number)
            guard let replay = replays[row.run.number] else {
                problems.append(VerifyProblem(code: .projectionMismatch, seq: nil, run: row.run.id, message: "the runs table lists it but the journal has no records of it"))
                continue
            }
            guard replay.divergence == nil else { continue }
            let fields: [(String, String, String)] = [
                ("run id", row.run.id.value, replay.runID?.value ?? "-"),
                ("machine", row.machine, replay.machine ?? "-"),
                ("machine version", row.machineVersion, replay.version ?? "-"),
                ("name", row.name ?? "-", replay.name ?? "-"),
                ("idempotency key", row.idempotencyKey ?? "-", replay.idempotencyKey ?? "-"),
                ("input hash", row.inputHash, replay.inputHash ?? "-"),
                ("state", row.stateName, replay.stateName ?? "-"),
                ("terminal", "\(row.terminal)", "\(replay.terminal)"),
                ("last run record", "\(row.lastRunSeq)", "\(replay.lastRunSeq)"),
                ("last record", "\(row.lastSeq)", "\(replay.lastSeq)"),
                ("lease epoch", "\(row.leaseEpoch)", "\(replay.leaseEpoch)"),
                ("created", "\(row.createdAt)", replay.createdAt.map { "\($0)" } ?? "-"),
                ("updated", "\(row.updatedAt)", replay.updatedAt.map { "\($0)" } ?? "-"),
            ]
            for (field, projected, journaled) in fields where projected != journaled {
                problems.append(
                    VerifyProblem(
                        code: .projectionMismatch,
                        seq: nil,
                        run: row.run.id,
                        message: "the runs table says \(field) is '\(projected)' but the journal says '\(journaled)'"
                    )
                )
            }
        }
        for (number, replay) in replays.sorted(by: { $0.key < $1.key }) where !seen.contains(number) {
            problems.append(VerifyProblem(code: .projectionMismatch, seq: nil, run: replay.runID, message: "the journal has records of it but the runs table has no row"))
        }
        return problems
    }
}
