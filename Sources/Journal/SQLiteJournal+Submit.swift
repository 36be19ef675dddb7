import RunStateMachine

extension SQLiteJournal {
    /// Creates a run of `Machine`'s newest revision with `input`, journaling its first record (the
    /// machine, the revision's version, the input and the start state) in the same transaction as
    /// its `runs` row. The run is driven by that revision to its end, by any later build.
    ///
    /// With an idempotency key, submitting again returns the existing run when the input is the
    /// same, so a client may retry a submit whose answer it lost.
    ///
    /// - Parameters:
    ///   - input: The run's validated input.
    ///   - label: A name for people.
    ///   - idempotencyKey: The client's key, if any.
    ///   - at: The submission time (deadlines count from here).
    ///   - id: The run id; generated when `nil`.
    /// - Throws: ``JournalError`` with code ``JournalError/Code/idempotencyConflict`` if the
    ///   key belongs to a run with a different input; the journal is then unchanged.
    public func submit<Machine: StateMachine>(
        _ machine: Machine.Type,
        input: Machine.Input,
        label: String?,
        idempotencyKey: String?,
        at: Timestamp,
        id: RunID? = nil
    ) async throws(JournalError) -> SubmitResult {
        let prepared = try PreparedSubmit(machine, input: input, label: label, idempotencyKey: idempotencyKey, at: at, id: id)
        return try await write { context throws(SQLiteError) in
            if let idempotencyKey {
                let existing = try context.connection.statement("SELECT run_no, run_id, input_hash FROM runs WHERE idempotency_key = ?1")
                existing.bind(1, idempotencyKey)
                defer { existing.reset() }
                if try existing.step() {
                    guard let id = RunID(existing.text(1)) else {
                        return .failure(
                            JournalError(.corrupt, "the run holding idempotency key '\(idempotencyKey)' has a malformed id in the runs table; run 'worker verify'")
                        )
                    }
                    let run = RunRef(id: id, number: existing.int64(0))
                    guard existing.text(2) == prepared.inputHash else {
                        return .failure(prepared.conflict(with: run))
                    }
                    return .success(SubmitResult(run: run, created: false))
                }
            }
            let insert = try context.connection.statement(
                """
                INSERT INTO runs (run_id, machine, machine_version, name, idempotency_key, input_hash, created_ms)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """
            )
            insert.bind(1, prepared.runID.value)
            insert.bind(2, prepared.machine)
            insert.bind(3, prepared.version)
            insert.bind(4, label)
            insert.bind(5, idempotencyKey)
            insert.bind(6, prepared.inputHash)
            insert.bind(7, at.milliseconds)
            try insert.run()
            let run = RunRef(id: prepared.runID, number: context.connection.lastInsertRowID)
            let head = try context.connection.statement(
                """
                INSERT INTO run_heads (run_no, state_name, terminal, last_run_seq, last_seq, lease_epoch, updated_ms)
                VALUES (?1, ?2, ?3, 1, ?4, 0, ?5)
                """
            )
            head.bind(1, run.number)
            head.bind(2, prepared.stateName)
            head.bind(3, prepared.terminal ? 1 : 0)
            head.bind(4, context.nextSeq)
            head.bind(5, at.milliseconds)
            try head.run()
            _ = try context.appendRecord(
                runNo: run.number,
                runSeq: 1,
                runPrev: nil,
                kind: .created,
                epoch: 0,
                at: at,
                event: prepared.event,
                state: prepared.state,
                intents: prepared.intents,
                abandons: nil,
                answers: nil
            )
            return .success(SubmitResult(run: run, created: true))
        }
    }
}
