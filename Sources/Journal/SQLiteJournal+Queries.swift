import RunStateMachine

extension SQLiteJournal {
    static let summaryColumns = """
        runs.run_no, runs.run_id, runs.machine, runs.machine_version, runs.name, runs.idempotency_key, runs.input_hash,
        runs.state_name, runs.terminal, runs.last_run_seq, runs.last_seq, runs.lease_epoch, leases.owner, leases.expires_ms,
        runs.created_ms, runs.updated_ms
        """

    static let recordColumns = "seq, run_no, run_seq, kind, epoch, at_ms, event, state, intents, abandons, answers, prev_hash, hash"

    static func summary(_ row: SQLiteStatement) -> RunSummary {
        RunSummary(
            run: RunRef(id: RunID(row.text(1)) ?? RunID("00000000000000000000000000")!, number: row.int64(0)),
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
    /// `answers` column is not one the journal writes.
    static func record(_ row: SQLiteStatement) -> JournalRecord? {
        guard let kind = RecordKind(rawValue: row.text(3)) else { return nil }
        var answers: IntentID?
        if let text = row.optionalText(10) {
            guard let id = IntentID(text) else { return nil }
            answers = id
        }
        return JournalRecord(
            seq: row.int64(0),
            runNo: row.int64(1),
            runSeq: row.int(2),
            kind: kind,
            epoch: row.int64(4),
            at: Timestamp(milliseconds: row.int64(5)),
            event: row.bytes(6),
            state: row.optionalBytes(7),
            intents: row.optionalBytes(8),
            abandons: row.optionalBytes(9),
            answers: answers,
            prevHash: row.bytes(11),
            hash: row.bytes(12)
        )
    }

    /// Every run, optionally only those in state `state` (a state name, or `active` for every
    /// non-terminal run), oldest first.
    public func runs(state: String? = nil, limit: Int = 10_000) throws(JournalError) -> [RunSummary] {
        try read { connection throws(SQLiteError) in
            let filter: String
            switch state {
            case nil: filter = ""
            case "active"?: filter = "WHERE runs.terminal = 0"
            default: filter = "WHERE runs.state_name = ?1"
            }
            let query = try connection.prepare(
                "SELECT \(Self.summaryColumns) FROM runs LEFT JOIN leases USING (run_no) \(filter) ORDER BY runs.run_no LIMIT \(limit)"
            )
            if let state, state != "active" { query.bind(1, state) }
            var result: [RunSummary] = []
            while try query.step() {
                result.append(Self.summary(query))
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
                "SELECT \(Self.summaryColumns) FROM runs LEFT JOIN leases USING (run_no) WHERE runs.run_id >= ?1 AND runs.run_id < ?2 ORDER BY runs.run_id LIMIT 5"
            )
            query.bind(1, prefix)
            query.bind(2, prefix + "\u{7F}")
            var result: [RunSummary] = []
            while try query.step() {
                result.append(Self.summary(query))
            }
            return result
        }
        if let exact = matches.first(where: { $0.run.id.value == prefix }) {
            return exact
        }
        guard prefix.count >= 4, matches.count == 1 else {
            let detail =
                matches.isEmpty
                ? "no run has an id starting with '\(text)'; 'worker list' shows the runs"
                : "'\(text)' matches several runs (\(matches.map(\.run.id.value).joined(separator: ", "))); give more of the id"
            throw JournalError(.unknownRun, detail)
        }
        return matches[0]
    }

    /// The run's records in order.
    public func records(of run: RunRef) throws(JournalError) -> [JournalRecord] {
        try read { connection throws(SQLiteError) in
            let query = try connection.prepare("SELECT \(Self.recordColumns) FROM journal WHERE run_no = ?1 ORDER BY run_seq")
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

    /// The last record's sequence number and hash, or `nil` for an empty journal.
    public func head() throws(JournalError) -> (seq: Int64, hash: [UInt8])? {
        try read { connection throws(SQLiteError) in
            let query = try connection.prepare("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
            guard try query.step() else { return nil }
            return (query.int64(0), query.bytes(1))
        }
    }
}
