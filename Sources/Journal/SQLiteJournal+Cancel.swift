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
        let number = summary.run.number
        try await write { context throws(SQLiteError) in
            let insert = try context.connection.statement(
                "INSERT OR REPLACE INTO cancel_requests (run_no, reason, requested_ms) VALUES (?1, ?2, ?3)"
            )
            insert.bind(1, number)
            insert.bind(2, reason)
            insert.bind(3, at.milliseconds)
            try insert.run()
            return .success(())
        }
        return summary
    }

    /// The reason of the pending cancel request for run number `runNo`, if there is one.
    public func cancelRequest(runNo: Int64) throws(JournalError) -> String? {
        try read { connection throws(SQLiteError) in
            let query = try connection.statement("SELECT reason FROM cancel_requests WHERE run_no = ?1")
            query.bind(1, runNo)
            defer { query.reset() }
            return try query.step() ? query.text(0) : nil
        }
    }

    /// The run numbers of unfinished runs with a pending cancel request.
    public func cancelRequested() throws(JournalError) -> Set<Int64> {
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

    /// Deletes run number `runNo`'s cancel request once its cancellation is journaled.
    public func clearCancelRequest(runNo: Int64) async throws(JournalError) {
        try await write { context throws(SQLiteError) in
            let delete = try context.connection.statement("DELETE FROM cancel_requests WHERE run_no = ?1")
            delete.bind(1, runNo)
            try delete.run()
            return .success(())
        }
    }
}
