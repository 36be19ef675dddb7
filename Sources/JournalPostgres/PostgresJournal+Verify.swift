import Journal
import Logging
import PostgresNIO
import RunStateMachine

extension PostgresJournal {
    /// Verifies the whole journal in one pass in sequence order: the hash chain (every record's
    /// content, link and sequence number), the chain head row against the chain's end (records
    /// missing at the end), every run replayed through its machine, and the `runs` projection.
    /// Everything is read in one repeatable-read transaction, so workers appending meanwhile do
    /// not show up as a mismatch.
    public func verify(registry: MachineRegistry, maxProblems: Int) async throws(JournalError) -> VerifyReport {
        let logger = source.logger
        let (chain, head, replays, rows, unmatched) = try await source.withConnection { connection in
            try await Self.snapshot(on: connection, logger: logger) {
                var walker = ChainWalker(maxProblems: maxProblems)
                let shard = ReplayShard(registry: registry)
                let head = try await Self.rows("SELECT seq, hash FROM chain_head", on: connection, logger: logger) { row throws(JournalError) in
                    Head(seq: try row.int64(0), hash: try row.bytes(1))
                }.first
                try await Self.scan(on: connection, logger: logger) { item in
                    switch item {
                    case .record(let record):
                        walker.feed(record)
                    case .malformed(_, let seq, _):
                        walker.feedMalformed(seq: seq)
                    }
                    shard.consume(item)
                }
                let rows = try await Self.rows("SELECT \(Self.summaryColumns) FROM \(Self.summarySource) ORDER BY r.run_no", on: connection, logger: logger, read: Self.summary)
                let unmatched = try await Self.rows(
                    """
                    SELECT run_no, 'runs' FROM runs WHERE run_no NOT IN (SELECT run_no FROM run_heads)
                    UNION ALL SELECT run_no, 'run_heads' FROM run_heads WHERE run_no NOT IN (SELECT run_no FROM runs)
                    """,
                    on: connection,
                    logger: logger
                ) { row throws(JournalError) in (try row.int64(0), try row.text(1)) }
                return (walker.check, head, shard.replays, rows, unmatched)
            }
        }
        var report = VerifyReport()
        report.records = chain.records
        report.lastSeq = chain.lastSeq
        report.problems = chain.problems
        Self.checkChainHead(head, against: chain, into: &report)
        report.runs = replays.count
        for (_, replay) in replays.sorted(by: { $0.key < $1.key }) {
            if let divergence = replay.divergence, report.problems.count < maxProblems {
                report.problems.append(VerifyProblem(code: .replayDivergence, seq: divergence.seq, run: replay.runID, message: divergence.problem))
            }
        }
        for problem in ProjectionCheck.problems(rows: rows, unmatched: unmatched, replays: replays) where report.problems.count < maxProblems {
            report.problems.append(problem)
        }
        return report
    }

    /// Replays every run in one pass over the journal; the replays by run number.
    public func replayAll(registry: MachineRegistry, workers: Int) async throws(JournalError) -> [Int64: RunReplay] {
        let logger = source.logger
        return try await source.withConnection { connection in
            let shard = ReplayShard(registry: registry)
            try await Self.scan(on: connection, logger: logger) { shard.consume($0) }
            return shard.replays
        }
    }

    /// Whether this build can take over the journal; see ``SQLiteJournal/upgradeCheck(registry:)``.
    public func upgradeCheck(registry: MachineRegistry) async throws(JournalError) -> UpgradeReport {
        let replays = try await replayAll(registry: registry, workers: 1)
        let heads = try await runs(.all, limit: Int.max)
        return try UpgradeReport.assess(schema: schema, buildSchema: Self.schemaVersion, registry: registry, replays: replays) { () throws(JournalError) in heads }
    }

    /// Runs `body` in a read-only, repeatable-read transaction: every query in it sees the same
    /// snapshot.
    private static func snapshot<Value: Sendable>(on connection: DatabaseSession, logger: Logger, _ body: () async throws -> Value) async throws -> Value {
        try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        do {
            let value = try await body()
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            await connection.rollBack(after: error, logger: logger)
            throw error
        }
    }

    /// Streams every record in sequence order to `consume` (the server sends rows as they are
    /// read, so memory does not grow with the journal).
    private static func scan(on connection: DatabaseSession, logger: Logger, _ consume: (ReplayShard.Item) -> Void) async throws {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(recordColumns) FROM journal ORDER BY seq"), logger: logger)
        for try await row in rows {
            let reader = PostgresRowReader(row)
            if let record = try record(reader) {
                consume(.record(record))
            } else {
                consume(.malformed(runNo: try reader.int64(1), seq: try reader.int64(0), runSeq: try reader.int(2)))
            }
        }
    }

    /// Compares the chain head row, which every committing batch advances, with the chain's end.
    private static func checkChainHead(_ head: Head?, against chain: ChainCheck, into report: inout VerifyReport) {
        guard let head else {
            report.problems.append(VerifyProblem(code: .headUnreadable, seq: nil, run: nil, message: "the chain_head row is missing: records lost at the end cannot be detected"))
            return
        }
        report.headFileSeq = head.seq
        if head.seq > chain.lastSeq {
            report.problems.append(
                VerifyProblem(
                    code: .truncated,
                    seq: chain.lastSeq + 1,
                    run: nil,
                    message: "the journal ends at record \(chain.lastSeq) but its chain head records \(head.seq): records \(chain.lastSeq + 1)…\(head.seq) are missing"
                )
            )
        } else if head.seq < chain.lastSeq || head.hash != chain.lastHash {
            report.problems.append(
                VerifyProblem(
                    code: .headMismatch,
                    seq: head.seq,
                    run: nil,
                    message: "the chain head records record \(head.seq) with another hash than the journal's end, record \(chain.lastSeq) (rewritten?)"
                )
            )
        }
    }
}
