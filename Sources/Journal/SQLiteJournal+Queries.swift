import CSQLite
import RunStateMachine

extension SQLiteJournal {
    /// When a run's lease runs out, for a database of schema `schema`: the later of the lease's
    /// own expiry and its owner's heartbeat (schema 4 and later), 0 once released.
    static func leaseExpiry(schema: Int) -> String {
        schema >= 4
            ? "(CASE WHEN leases.expires_ms = 0 THEN 0 ELSE max(leases.expires_ms, coalesce(workers.expires_ms, 0)) END)"
            : "leases.expires_ms"
    }

    /// Until when a run's holder may have renewed what the run holds on its host: the later of
    /// the lease row's expiry and its owner's heartbeat, a release notwithstanding (a released
    /// lease's holder renewed until it let go, at most its heartbeat). Schema 6 and later.
    static let holderRenewedUntil = "max(leases.expires_ms, coalesce(workers.expires_ms, 0))"

    /// Whether a claimer on host `?host` at store time `?now` may take a run as far as its host
    /// affinity goes (``ClaimRequest/mayTake(leaseOf:liveUntil:renewedUntil:affinity:now:)``).
    static func affinityAllows(host: String, now: String) -> String {
        "(run_heads.affinity_host IS NULL OR run_heads.affinity_host = \(host) OR \(holderRenewedUntil) + run_heads.affinity_grace_ms <= \(now))"
    }

    /// The columns ``summary(_:)`` reads, for a database of schema `schema`.
    static func summaryColumns(schema: Int) -> String {
        """
        runs.run_no, runs.run_id, runs.machine, runs.machine_version, runs.name, runs.idempotency_key, runs.input_hash,
        run_heads.state_name, run_heads.terminal, run_heads.last_run_seq, run_heads.last_seq, run_heads.lease_epoch,
        leases.owner, \(leaseExpiry(schema: schema)), runs.created_ms, run_heads.updated_ms
        """
    }

    /// `runs` with each run's head and lease (and the lease owner's heartbeat, from schema 4).
    static func summarySource(schema: Int) -> String {
        "runs JOIN run_heads USING (run_no) LEFT JOIN leases USING (run_no)" + (schema >= 4 ? " LEFT JOIN workers ON workers.owner = leases.owner" : "")
    }

    /// The columns ``record(_:hashes:)`` reads, for a database of schema `schema`: the journal of
    /// schema 1 and 2 has no `format` column (its records are all format 1), and a reader may
    /// open such a database before a worker migrates it (`worker upgrade-check` does).
    static func recordColumns(schema: Int) -> String {
        "seq, run_no, run_seq, run_prev, kind, epoch, at_ms, event, state, intents, abandons, answers, prev_hash, hash, "
            + (schema >= 3 ? "format" : "1")
    }

    /// Reads a run summary from a row selected with ``summaryColumns(schema:)``.
    ///
    /// - Throws: `SQLITE_CORRUPT` (a ``JournalError/Code/corrupt`` for callers) if the row's run
    ///   id is malformed: the row is reported, never passed on under a made-up id.
    static func summary(_ row: SQLiteStatement) throws(SQLiteError) -> RunSummary {
        guard let id = RunID(row.text(1)) else {
            throw SQLiteError(
                code: SQLITE_CORRUPT,
                message: "run row \(row.int64(0)) has a malformed id '\(row.text(1).prefix(40))' in the runs table; run 'worker verify'"
            )
        }
        return RunSummary(
            run: RunRef(id: id, number: row.int64(0)),
            machine: row.text(2),
            machineVersion: row.text(3),
            name: row.optionalText(4),
            idempotencyKey: row.optionalText(5),
            inputHash: row.text(6),
            stateName: row.text(7),
            terminal: row.int(8) == 1,
            lastRunSeq: row.int(9),
            lastSeq: row.int64(10),
            leaseEpoch: row.int64(11),
            leaseOwner: row.optionalText(12),
            leaseExpiresAt: row.isNull(13) ? nil : Timestamp(milliseconds: row.int64(13)),
            createdAt: Timestamp(milliseconds: row.int64(14)),
            updatedAt: Timestamp(milliseconds: row.int64(15))
        )
    }

    /// Reads a record from a row selected with ``recordColumns``; `nil` if its kind or
    /// `answers` column is not one the journal writes. Without `hashes`, the two hash columns
    /// are left empty (replay does not need them; verification reads them itself).
    static func record(_ row: SQLiteStatement, hashes: Bool = true) -> JournalRecord? {
        guard let kindBytes = row.rawBytes(4), let kind = RecordKind(utf8: kindBytes) else { return nil }
        var answers: IntentID?
        if let text = row.optionalText(11) {
            guard let id = IntentID(text) else { return nil }
            answers = id
        }
        return JournalRecord(
            seq: row.int64(0),
            runNo: row.int64(1),
            runSeq: row.int(2),
            runPrev: row.optionalInt64(3),
            kind: kind,
            epoch: row.int64(5),
            at: Timestamp(milliseconds: row.int64(6)),
            event: row.bytes(7),
            state: row.optionalBytes(8),
            intents: row.optionalBytes(9),
            abandons: row.optionalBytes(10),
            answers: answers,
            prevHash: hashes ? row.bytes(12) : [],
            hash: hashes ? row.bytes(13) : [],
            format: row.int64(14)
        )
    }

    /// The runs `filter` selects, oldest first, at most `limit`.
    public func runs(_ filter: RunFilter = .all, limit: Int = 10_000) throws(JournalError) -> [RunSummary] {
        try read { connection throws(SQLiteError) in
            let condition: String
            switch filter {
            case .all: condition = ""
            case .unfinished: condition = "WHERE run_heads.terminal = 0"
            case .state: condition = "WHERE run_heads.state_name = ?1"
            }
            let query = try connection.prepare(
                "SELECT \(summaryColumns) FROM \(summarySource) \(condition) ORDER BY runs.run_no LIMIT \(limit)"
            )
            if case .state(let name) = filter { query.bind(1, name) }
            var result: [RunSummary] = []
            while try query.step() {
                result.append(try Self.summary(query))
            }
            return result
        }
    }

    /// A page of the runs `filter` selects, newest first; see ``JournalStore/page(_:olderThan:limit:)``.
    public func page(_ filter: RunFilter, olderThan cursor: RunID?, limit: Int) throws(JournalError) -> RunPage {
        let cursorNumber: Int64
        if let cursor {
            cursorNumber = try run(matching: cursor.value).run.number
        } else {
            cursorNumber = .max
        }
        let limit = max(0, limit)
        let rows = try read { connection throws(SQLiteError) in
            var conditions = ["runs.run_no < ?1"]
            switch filter {
            case .all: break
            case .unfinished: conditions.append("run_heads.terminal = 0")
            case .state: conditions.append("run_heads.state_name = ?3")
            }
            let query = try connection.prepare(
                "SELECT \(summaryColumns) FROM \(summarySource) WHERE \(conditions.joined(separator: " AND ")) ORDER BY runs.run_no DESC LIMIT ?2"
            )
            query.bind(1, cursorNumber)
            query.bind(2, limit.addingSaturated(1))
            if case .state(let name) = filter { query.bind(3, name) }
            var result: [RunSummary] = []
            while try query.step() {
                result.append(try Self.summary(query))
            }
            return result
        }
        return RunPage(runs: Array(rows.prefix(limit)), hasMore: rows.count > limit)
    }

    /// Unfinished runs that no one holds a live lease on at `now` (never leased, released, or
    /// expired): the runs a worker may take. Runs that were driven before (interrupted, to be
    /// recovered) come first, then new ones; oldest first in each. With `ignoringLeases`, every
    /// unfinished run (for a worker that knows every lease holder is dead).
    public func runnable(at now: Timestamp, limit: Int = 1000, ignoringLeases: Bool = false) throws(JournalError) -> [RunSummary] {
        try read { connection throws(SQLiteError) in
            let query = try connection.statement(
                built: """
                    SELECT \(summaryColumns) FROM \(summarySource)
                    WHERE run_heads.terminal = 0 AND (leases.owner IS NULL OR \(Self.leaseExpiry(schema: schema)) <= ?1)
                    ORDER BY run_heads.lease_epoch = 0, runs.run_no LIMIT ?2
                    """
            )
            defer { query.reset() }
            query.bind(1, ignoringLeases ? Int64.max : now.milliseconds)
            query.bind(2, limit)
            var result: [RunSummary] = []
            while try query.step() {
                result.append(try Self.summary(query))
            }
            return result
        }
    }

    /// The run whose id is `text`, or starts with `text` (at least four characters) if exactly
    /// one does.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/unknownRun`` if none or several
    ///   match.
    public func run(matching text: String) throws(JournalError) -> RunSummary {
        let prefix = text.lowercased()
        let matches = try read { connection throws(SQLiteError) in
            let query = try connection.prepare(
                "SELECT \(summaryColumns) FROM \(summarySource) WHERE runs.run_id >= ?1 AND runs.run_id < ?2 ORDER BY runs.run_id LIMIT 5"
            )
            query.bind(1, prefix)
            query.bind(2, prefix + "\u{7F}")
            var result: [RunSummary] = []
            while try query.step() {
                result.append(try Self.summary(query))
            }
            return result
        }
        return try RunSummary.matching(text, among: matches)
    }

    /// The run's records in order, found by following `run_prev` back from the run's head (the
    /// journal has no index by run, which keeps appends cheap).
    public func records(of run: RunRef) throws(JournalError) -> [JournalRecord] {
        try read { connection throws(SQLiteError) in
            let query = try connection.statement(
                built: """
                WITH RECURSIVE chain(seq) AS (
                    SELECT last_seq FROM run_heads WHERE run_no = ?1
                    UNION ALL
                    SELECT journal.run_prev FROM journal JOIN chain ON journal.seq = chain.seq
                    WHERE journal.run_prev < chain.seq
                )
                SELECT \(recordColumns) FROM journal WHERE seq IN (SELECT seq FROM chain) AND run_no = ?1 ORDER BY seq
                """
            )
            defer { query.reset() }
            query.bind(1, run.number)
            var result: [JournalRecord] = []
            while try query.step() {
                if let record = Self.record(query) {
                    result.append(record)
                }
            }
            return result
        }
    }

    /// The ids of every unfinished run.
    public func unfinishedRunIDs() throws(JournalError) -> Set<String> {
        try read { connection throws(SQLiteError) in
            let query = try connection.prepare("SELECT runs.run_id FROM runs JOIN run_heads USING (run_no) WHERE run_heads.terminal = 0")
            var ids: Set<String> = []
            while try query.step() {
                ids.insert(query.text(0))
            }
            return ids
        }
    }

    /// How many records of each kind the journal holds.
    public func recordCounts() throws(JournalError) -> [RecordKind: Int] {
        try read { connection throws(SQLiteError) in
            let query = try connection.prepare("SELECT kind, count(*) FROM journal GROUP BY kind")
            var counts: [RecordKind: Int] = [:]
            while try query.step() {
                if let kind = RecordKind(rawValue: query.text(0)) {
                    counts[kind] = query.int(1)
                }
            }
            return counts
        }
    }

    /// The last record's sequence number and hash, or `nil` for an empty journal.
    public func head() throws(JournalError) -> (seq: Int64, hash: [UInt8])? {
        try read { connection throws(SQLiteError) in
            let query = try connection.prepare("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
            guard try query.step() else { return nil }
            return (query.int64(0), query.bytes(1))
        }
    }

    /// The hash of the record at `seq`, or `nil` if the journal has none there.
    public func recordHash(at seq: Int64) throws(JournalError) -> [UInt8]? {
        try read { connection throws(SQLiteError) in
            let query = try connection.prepare("SELECT hash FROM journal WHERE seq = ?1")
            query.bind(1, seq)
            guard try query.step() else { return nil }
            return query.bytes(0)
        }
    }
}
