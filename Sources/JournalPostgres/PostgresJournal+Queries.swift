import Journal
import PostgresNIO
import RunStateMachine

extension PostgresJournal {
    static let summaryColumns = """
        r.run_no, r.run_id, r.machine, r.machine_version, r.name, r.idempotency_key, r.input_hash,
        h.state_name, h.terminal, h.last_run_seq, h.last_seq, h.lease_epoch, l.owner, \(leaseExpiry), r.created_ms, h.updated_ms
        """

    /// When a run's lease runs out: the later of its own expiry and its owner's heartbeat, 0 once
    /// released.
    static let leaseExpiry = "(CASE WHEN l.expires_ms = 0 THEN 0 ELSE greatest(l.expires_ms, w.expires_ms) END)"

    /// Until when a run's holder may have renewed what the run holds on its host: the later of
    /// the lease row's expiry and its owner's heartbeat, a release notwithstanding (a released
    /// lease's holder renewed until it let go, at most its heartbeat).
    static let holderRenewedUntil = "greatest(l.expires_ms, w.expires_ms)"

    /// Whether a claimer on host `host` at database time `now` may take a run as far as its host
    /// affinity goes (``ClaimRequest/mayTake(leaseOf:liveUntil:renewedUntil:affinity:now:)``).
    static func affinityAllows(host: String, now: String) -> String {
        "(h.affinity_host IS NULL OR h.affinity_host = \(host) OR \(holderRenewedUntil) + h.affinity_grace_ms <= \(now))"
    }

    /// `runs` with each run's head and lease, and the lease owner's heartbeat.
    static let summarySource = """
        runs r JOIN run_heads h ON h.run_no = r.run_no LEFT JOIN leases l ON l.run_no = r.run_no LEFT JOIN workers w ON w.owner = l.owner
        """

    /// The columns ``record(_:)`` reads.
    static let recordColumns = "seq, run_no, run_seq, run_prev, kind, epoch, at_ms, event, state, intents, abandons, answers, prev_hash, hash, format"

    /// The database's clock in milliseconds, as SQL.
    static let databaseNow = "(extract(epoch FROM clock_timestamp()) * 1000)::int8"

    /// Reads a run summary from a row selected with ``summaryColumns``; a malformed run id is a
    /// ``JournalError/Code/corrupt`` row, never passed on under a made-up id.
    static func summary(_ row: PostgresRowReader) throws(JournalError) -> RunSummary {
        let text = try row.text(1)
        guard let id = RunID(text) else {
            throw JournalError(.corrupt, "run row \(try row.int64(0)) has a malformed id '\(text.prefix(40))' in the runs table; run 'worker verify'")
        }
        return RunSummary(
            run: RunRef(id: id, number: try row.int64(0)),
            machine: try row.text(2),
            machineVersion: try row.text(3),
            name: row.optionalText(4),
            idempotencyKey: row.optionalText(5),
            inputHash: try row.text(6),
            stateName: try row.text(7),
            terminal: try row.bool(8),
            lastRunSeq: try row.int(9),
            lastSeq: try row.int64(10),
            leaseEpoch: try row.int64(11),
            leaseOwner: row.optionalText(12),
            leaseExpiresAt: row.optionalInt64(13).map { Timestamp(milliseconds: $0) },
            createdAt: Timestamp(milliseconds: try row.int64(14)),
            updatedAt: Timestamp(milliseconds: try row.int64(15))
        )
    }

    /// Reads a record from a row selected with ``recordColumns``; `nil` if its kind or `answers`
    /// column is not one the journal writes.
    static func record(_ row: PostgresRowReader) throws(JournalError) -> JournalRecord? {
        guard let kind = RecordKind(rawValue: try row.text(4)) else { return nil }
        var answers: IntentID?
        if let text = row.optionalText(11) {
            guard let id = IntentID(text) else { return nil }
            answers = id
        }
        return JournalRecord(
            seq: try row.int64(0),
            runNo: try row.int64(1),
            runSeq: try row.int(2),
            runPrev: row.optionalInt64(3),
            kind: kind,
            epoch: try row.int64(5),
            at: Timestamp(milliseconds: try row.int64(6)),
            event: try row.bytes(7),
            state: row.optionalBytes(8),
            intents: row.optionalBytes(9),
            abandons: row.optionalBytes(10),
            answers: answers,
            prevHash: try row.bytes(12),
            hash: try row.bytes(13),
            format: try row.int64(14)
        )
    }

    /// The condition `filter` adds, with its value bound as `$<parameter>`.
    private static func condition(_ filter: RunFilter, parameter: Int, into binds: inout PostgresBindings) -> String? {
        switch filter {
        case .all: return nil
        case .unfinished: return "NOT h.terminal"
        case .state(let name):
            binds.append(name)
            return "h.state_name = $\(parameter)"
        }
    }

    /// The runs `filter` selects, oldest first, at most `limit`.
    public func runs(_ filter: RunFilter, limit: Int) async throws(JournalError) -> [RunSummary] {
        var binds = PostgresBindings()
        binds.append(Int64(max(0, limit)))
        let condition = Self.condition(filter, parameter: 2, into: &binds).map { "WHERE \($0)" } ?? ""
        return try await rows("SELECT \(Self.summaryColumns) FROM \(Self.summarySource) \(condition) ORDER BY r.run_no LIMIT $1", binds, read: Self.summary)
    }

    /// A page of the runs `filter` selects, newest first; see ``JournalStore/page(_:olderThan:limit:)``.
    public func page(_ filter: RunFilter, olderThan cursor: RunID?, limit: Int) async throws(JournalError) -> RunPage {
        let cursorNumber: Int64
        if let cursor {
            cursorNumber = try await run(matching: cursor.value).run.number
        } else {
            cursorNumber = .max
        }
        let limit = max(0, limit)
        var binds = PostgresBindings()
        binds.append(cursorNumber)
        binds.append(Int64(limit.addingSaturated(1)))
        let conditions = ["r.run_no < $1"] + [Self.condition(filter, parameter: 3, into: &binds)].compactMap { $0 }
        let found = try await rows(
            "SELECT \(Self.summaryColumns) FROM \(Self.summarySource) WHERE \(conditions.joined(separator: " AND ")) ORDER BY r.run_no DESC LIMIT $2",
            binds,
            read: Self.summary
        )
        return RunPage(runs: Array(found.prefix(limit)), hasMore: found.count > limit)
    }

    /// Unfinished runs no live lease holds, by the database's clock (`now`, the caller's, is not
    /// used: hosts' clocks may differ); interrupted runs first, oldest first in each.
    public func runnable(at now: Timestamp, limit: Int, ignoringLeases: Bool) async throws(JournalError) -> [RunSummary] {
        var binds = PostgresBindings()
        binds.append(Int64(max(0, limit)))
        let leaseCondition = ignoringLeases ? "" : "AND (l.owner IS NULL OR \(Self.leaseExpiry) <= \(Self.databaseNow))"
        // Two scans of the unfinished runs' index in run order, each stopping at the limit: the
        // runs leased before (as many as are in flight), then the new ones (however long the
        // queue). One sort of all unfinished runs would cost as much as the queue is long.
        return try await rows(
            """
            SELECT * FROM (
                (SELECT \(Self.summaryColumns), 0 AS part FROM \(Self.summarySource)
                 WHERE NOT h.terminal AND h.lease_epoch > 0 \(leaseCondition) ORDER BY r.run_no LIMIT $1)
                UNION ALL
                (SELECT \(Self.summaryColumns), 1 AS part FROM \(Self.summarySource)
                 WHERE NOT h.terminal AND h.lease_epoch = 0 \(leaseCondition) ORDER BY r.run_no LIMIT $1)
            ) AS candidates
            ORDER BY part, run_no LIMIT $1
            """,
            binds,
            read: Self.summary
        )
    }

    /// Milliseconds until `owner`'s last live lease runs out, by the database's clock (0 if none
    /// is live): how long its runs wait before other workers may take them.
    package func millisecondsUntilLeasesRunOut(owner: String) async throws(JournalError) -> Int64 {
        var binds = PostgresBindings()
        binds.append(owner)
        let rows = try await rows(
            "SELECT greatest(0, coalesce(max(\(Self.leaseExpiry)), 0) - \(Self.databaseNow))::int8 FROM leases l LEFT JOIN workers w ON w.owner = l.owner WHERE l.owner = $1",
            binds,
            read: { row throws(JournalError) in try row.int64(0) }
        )
        return rows.first ?? 0
    }

    /// Milliseconds until the first live lease of another owner on an unfinished run runs out
    /// (for a run tied to another host, its grace), by the database's clock (`at` is not used);
    /// see ``JournalStore/millisecondsUntilNextLeaseRunsOut(otherThan:host:at:)``. Reads the runs
    /// in flight only (the partial index of the runs leased before).
    public func millisecondsUntilNextLeaseRunsOut(otherThan owner: String, host: String, at: Timestamp) async throws(JournalError) -> Int64? {
        var binds = PostgresBindings()
        binds.append(owner)
        binds.append(host)
        let rows = try await rows(
            """
            SELECT (min(free) - \(Self.databaseNow))::int8 FROM (
                SELECT CASE WHEN h.affinity_host IS NULL OR h.affinity_host = $2 THEN \(Self.leaseExpiry)
                            ELSE greatest(\(Self.leaseExpiry), \(Self.holderRenewedUntil) + h.affinity_grace_ms) END AS free
                FROM run_heads h JOIN leases l ON l.run_no = h.run_no LEFT JOIN workers w ON w.owner = l.owner
                WHERE NOT h.terminal AND h.lease_epoch > 0 AND l.owner <> $1
            ) runs_held WHERE free > \(Self.databaseNow)
            """,
            binds,
            read: { row throws(JournalError) in row.optionalInt64(0) }
        )
        return rows.first ?? nil
    }

    /// The run whose id is `text`, or the one run whose id starts with it (at least four
    /// characters).
    public func run(matching text: String) async throws(JournalError) -> RunSummary {
        let prefix = text.lowercased()
        var binds = PostgresBindings()
        binds.append(prefix)
        binds.append(prefix + "\u{7F}")
        let matches = try await rows(
            "SELECT \(Self.summaryColumns) FROM \(Self.summarySource) WHERE r.run_id >= $1 AND r.run_id < $2 ORDER BY r.run_id LIMIT 5",
            binds,
            read: Self.summary
        )
        return try RunSummary.matching(text, among: matches)
    }

    /// The run's records in order, found by following `run_prev` back from the run's head.
    /// Every driver loads its run with it: runs loaded at the same time share a statement
    /// (``RecordLoader``).
    public func records(of run: RunRef) async throws(JournalError) -> [JournalRecord] {
        try await loader.records(ofRun: run.number)
    }

    /// The ids of every unfinished run.
    public func unfinishedRunIDs() async throws(JournalError) -> Set<String> {
        Set(try await rows("SELECT r.run_id FROM runs r JOIN run_heads h ON h.run_no = r.run_no WHERE NOT h.terminal") { row throws(JournalError) in try row.text(0) })
    }

    /// How many records of each kind the journal holds.
    public func recordCounts() async throws(JournalError) -> [RecordKind: Int] {
        let counts = try await rows("SELECT kind, count(*)::int8 FROM journal GROUP BY kind") { row throws(JournalError) in
            (RecordKind(rawValue: try row.text(0)), try row.int(1))
        }
        var result: [RecordKind: Int] = [:]
        for (kind, count) in counts {
            if let kind { result[kind] = count }
        }
        return result
    }

    /// The last record's sequence number and hash, or `nil` for an empty journal.
    public func head() async throws(JournalError) -> (seq: Int64, hash: [UInt8])? {
        try await rows("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1") { row throws(JournalError) in
            Head(seq: try row.int64(0), hash: try row.bytes(1))
        }.first.map { ($0.seq, $0.hash) }
    }

    /// The hash of the record at `seq`, or `nil` if the journal has none there.
    public func recordHash(at seq: Int64) async throws(JournalError) -> [UInt8]? {
        var binds = PostgresBindings()
        binds.append(seq)
        return try await rows("SELECT hash FROM journal WHERE seq = $1", binds) { row throws(JournalError) in try row.bytes(0) }.first
    }

    /// Run number `runNo`'s operator request, if it has one.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/corrupt`` for a decision this
    ///   build does not know.
    public func operatorRequest(runNo: Int64) async throws(JournalError) -> OperatorRequest? {
        var binds = PostgresBindings()
        binds.append(runNo)
        return try await rows("SELECT reason, resolution FROM cancel_requests WHERE run_no = $1", binds) { row throws(JournalError) in
            try OperatorRequest(reason: try row.text(0), resolution: row.optionalText(1), runNo: runNo)
        }.first
    }

    /// The numbers of every unfinished run with an operator request.
    public func operatorRequests() async throws(JournalError) -> Set<Int64> {
        Set(
            try await rows("SELECT c.run_no FROM cancel_requests c JOIN run_heads h ON h.run_no = c.run_no WHERE NOT h.terminal") { row throws(JournalError) in
                try row.int64(0)
            }
        )
    }

    /// A record's position in the chain.
    struct Head: Sendable {
        var seq: Int64
        var hash: [UInt8]
    }
}

