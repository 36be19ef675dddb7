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
            let update = try context.connection.statement(
                """
                UPDATE runs SET state_name = ?1, terminal = ?2, last_run_seq = ?3, last_seq = ?4, updated_ms = ?5
                WHERE run_no = ?6 AND last_run_seq = ?3 - 1 AND lease_epoch = ?7 AND terminal = 0
                """
            )
            update.bind(1, request.stateName)
            update.bind(2, request.terminal ? 1 : 0)
            update.bind(3, request.runSeq)
            update.bind(4, context.nextSeq)
            update.bind(5, request.at.milliseconds)
            update.bind(6, request.run.number)
            update.bind(7, request.epoch)
            try update.run()
            guard context.connection.changes == 1 else {
                return .failure(try Self.appendRefusal(request, connection: context.connection))
            }
            return .success(
                try context.appendRecord(
                    runNo: request.run.number,
                    runSeq: request.runSeq,
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
        let select = try connection.statement("SELECT last_run_seq, lease_epoch, terminal FROM runs WHERE run_no = ?1")
        select.bind(1, request.run.number)
        defer { select.reset() }
        let run = request.run.id
        guard try select.step() else {
            return JournalError(.unknownRun, "no run has id \(run)", run: run)
        }
        let (last, epoch, terminal) = (select.int(0), select.int64(1), select.int(2) == 1)
        if epoch != request.epoch {
            return JournalError(
                .staleEpoch,
                "the lease moved on to epoch \(epoch); this owner (epoch \(request.epoch)) may no longer append",
                run: run
            )
        }
        if terminal {
            return JournalError(.runFinished, "the run has finished; nothing can be appended", run: run)
        }
        return JournalError(
            .sequenceConflict,
            "record \(request.runSeq) is not the run's next (its last is \(last)); reload the run and retry",
            run: run
        )
    }
}
