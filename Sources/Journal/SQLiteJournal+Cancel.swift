import RunStateMachine

extension SQLiteJournal {
    /// Asks for an unfinished run to be cancelled. The worker driving the run (or the next one to
    /// take it) journals the cancellation within a poll interval and compensates; asking again
    /// replaces the reason.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/unknownRun`` or
    ///   ``JournalError/Code/runFinished``.
    public func requestCancel(run text: String, reason: String, at: Timestamp) async throws(JournalError) -> RunSummary {
        let summary = try run(matching: text)
        guard !summary.terminal else {
            throw JournalError(.runFinished, "the run has already finished (\(summary.stateName)); there is nothing to cancel", run: summary.run.id)
        }
        try await record(runNo: summary.run.number, reason: reason, resolution: nil, at: at)
        return summary
    }

    /// Records an operator's decision about run number `runNo`, replacing any request it had;
    /// see ``JournalStore/requestResolution(run:resolution:note:at:whileIn:)`` for the checks.
    public func recordResolution(runNo: Int64, resolution: Resolution, note: String, at: Timestamp) async throws(JournalError) {
        try await record(runNo: runNo, reason: note, resolution: resolution, at: at)
    }

    /// Writes run number `runNo`'s one operator request, replacing the one it had: a cancel
    /// (`resolution` nil) or a decision.
    private func record(runNo: Int64, reason: String, resolution: Resolution?, at: Timestamp) async throws(JournalError) {
        try await write { context throws(SQLiteError) in
            let insert = try context.connection.statement(
                "INSERT OR REPLACE INTO cancel_requests (run_no, reason, requested_ms, resolution) VALUES (?1, ?2, ?3, ?4)"
            )
            insert.bind(1, runNo)
            insert.bind(2, reason)
            insert.bind(3, at.milliseconds)
            insert.bind(4, resolution?.rawValue)
            try insert.run()
            return .success(())
        }
    }

    /// Run number `runNo`'s pending operator request, if there is one.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/corrupt`` for a decision this
    ///   build does not know.
    public func operatorRequest(runNo: Int64) throws(JournalError) -> OperatorRequest? {
        let row = try read { connection throws(SQLiteError) -> (String, String?)? in
            let query = try connection.statement("SELECT reason, resolution FROM cancel_requests WHERE run_no = ?1")
            query.bind(1, runNo)
            defer { query.reset() }
            return try query.step() ? (query.text(0), query.optionalText(1)) : nil
        }
        return try row.map { (reason, resolution) throws(JournalError) in try OperatorRequest(reason: reason, resolution: resolution, runNo: runNo) }
    }

    /// The run numbers of unfinished runs with a pending operator request.
    public func operatorRequests() throws(JournalError) -> Set<Int64> {
        try read { connection throws(SQLiteError) in
            let query = try connection.statement(
                "SELECT cancel_requests.run_no FROM cancel_requests JOIN run_heads USING (run_no) WHERE run_heads.terminal = 0"
            )
            defer { query.reset() }
            var numbers: Set<Int64> = []
            while try query.step() {
                numbers.insert(query.int64(0))
            }
            return numbers
        }
    }

    /// Deletes run number `runNo`'s operator request once its event is journaled (or refused).
    public func clearOperatorRequest(runNo: Int64) async throws(JournalError) {
        try await write { context throws(SQLiteError) in
            let delete = try context.connection.statement("DELETE FROM cancel_requests WHERE run_no = ?1")
            delete.bind(1, runNo)
            try delete.run()
            return .success(())
        }
    }
}
