import RunStateMachine

extension SQLiteJournal {
    /// Appends a transition to a run and returns once it is durable.
    ///
    /// The record is accepted only if it is the run's next (`runSeq` = last + 1), the run has
    /// not finished, and `epoch` is the run's current lease epoch: all checked in the
    /// transaction that commits it, so an owner whose lease passed to a newer epoch cannot
    /// append. Concurrent appends share one commit.
    ///
    /// - Throws: ``JournalError`` (``JournalError/Code/staleEpoch``,
    ///   ``JournalError/Code/sequenceConflict``, ``JournalError/Code/runFinished``,
    ///   ``JournalError/Code/notLeased``, ``JournalError/Code/unknownRun``, or a storage
    ///   error); the journal is then unchanged.
    public func append(_ request: AppendRequest) async throws(JournalError) -> JournalReceipt {
        guard request.epoch >= 1 else {
            throw JournalError(.notLeased, "transitions need a lease; acquire one first", run: request.run.id)
        }
        return try await write { context throws(SQLiteError) in
            // Two statements so that an ordinary append does not touch `terminal` (and with it
            // the partial index of unfinished runs); only the final record of a run does.
            let update =
                request.terminal
                ? try context.connection.statement(
                    """
                    UPDATE run_heads SET state_name = ?1, last_run_seq = ?2, last_seq = ?3, updated_ms = ?4, terminal = 1,
                        affinity_host = ?8, affinity_grace_ms = ?9
                    WHERE run_no = ?5 AND last_run_seq = ?2 - 1 AND last_seq = ?6 AND lease_epoch = ?7 AND terminal = 0
                    """
                )
                : try context.connection.statement(
                    """
                    UPDATE run_heads SET state_name = ?1, last_run_seq = ?2, last_seq = ?3, updated_ms = ?4,
                        affinity_host = ?8, affinity_grace_ms = ?9
                    WHERE run_no = ?5 AND last_run_seq = ?2 - 1 AND last_seq = ?6 AND lease_epoch = ?7 AND terminal = 0
                    """
                )
            update.bind(1, request.stateName)
            update.bind(2, request.runSeq)
            update.bind(3, context.nextSeq)
            update.bind(4, request.at.milliseconds)
            update.bind(5, request.run.number)
            update.bind(6, request.previousSeq)
            update.bind(7, request.epoch)
            update.bind(8, request.affinity?.host)
            update.bind(9, request.affinity?.graceMilliseconds ?? 0)
            try update.run()
            guard context.connection.changes == 1 else {
                return .failure(try Self.appendRefusal(request, connection: context.connection))
            }
            return .success(
                try context.appendRecord(
                    runNo: request.run.number,
                    runSeq: request.runSeq,
                    runPrev: request.previousSeq,
                    kind: .transition,
                    epoch: request.epoch,
                    at: request.at,
                    event: request.event,
                    state: request.state,
                    intents: request.intents,
                    abandons: request.abandons,
                    answers: request.answers
                )
            )
        }
    }

    /// Explains why the guarded update of an append matched no row.
    private static func appendRefusal(_ request: AppendRequest, connection: SQLiteConnection) throws(SQLiteError) -> JournalError {
        let select = try connection.statement("SELECT last_run_seq, lease_epoch, terminal, last_seq FROM run_heads WHERE run_no = ?1")
        select.bind(1, request.run.number)
        defer { select.reset() }
        guard try select.step() else {
            return JournalError(.unknownRun, "no run has id \(request.run.id)", run: request.run.id)
        }
        return request.refusal(lastRunSeq: select.int(0), epoch: select.int64(1), terminal: select.int(2) == 1, lastSeq: select.int64(3))
    }
}
