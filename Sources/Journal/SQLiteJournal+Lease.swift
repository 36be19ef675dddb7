import RunStateMachine

extension SQLiteJournal {
    /// Takes the lease on a run: journals a lease record with the next fencing epoch, after
    /// which appends carrying an older epoch are refused.
    ///
    /// - Parameters:
    ///   - run: The run.
    ///   - owner: Who takes it (a worker id).
    ///   - ttlMilliseconds: How long others are kept out unless the lease is renewed.
    ///   - at: The current time.
    ///   - takingOver: Take the run even if another owner's lease has not expired: only for a
    ///     worker that knows that owner is dead (it holds the journal's owner lock, which every
    ///     worker of an embedded journal takes). The epoch still moves on, fencing the old owner.
    /// - Throws: ``JournalError`` with code ``JournalError/Code/leaseHeld`` if another owner's
    ///   lease has not expired, ``JournalError/Code/runFinished`` for a terminal run, or
    ///   ``JournalError/Code/unknownRun``.
    public func acquireLease(
        run: RunID,
        owner: String,
        ttlMilliseconds: Int64,
        at: Timestamp,
        takingOver: Bool = false
    ) async throws(JournalError) -> Lease {
        try await write { context throws(SQLiteError) in
            let select = try context.connection.statement(
                built: """
                SELECT runs.run_no, run_heads.terminal, run_heads.lease_epoch, run_heads.last_run_seq, leases.owner,
                       \(Self.leaseExpiry(schema: Self.schemaVersion)), run_heads.last_seq
                FROM \(Self.summarySource(schema: Self.schemaVersion)) WHERE runs.run_id = ?1
                """
            )
            select.bind(1, run.value)
            defer { select.reset() }
            guard try select.step() else {
                return .failure(JournalError(.unknownRun, "no run has id \(run)", run: run))
            }
            let number = select.int64(0)
            guard select.int(1) == 0 else {
                return .failure(JournalError(.runFinished, "the run has finished; there is nothing to lease", run: run))
            }
            // Read from the file: a number at the 64-bit limit is a damaged row, not a next one.
            guard select.int64(2) < Int64.max, select.int(3) < Int.max else {
                return .failure(JournalError(.corrupt, "the run's lease epoch or record count is at the 64-bit limit; run 'worker verify'", run: run))
            }
            let head = LeasedHead(number: number, epoch: select.int64(2), runSeq: select.int(3), lastSeq: select.int64(6))
            if !takingOver, let holder = select.optionalText(4), holder != owner, select.int64(5) > at.milliseconds {
                let until = Timestamp(milliseconds: select.int64(5))
                return .failure(JournalError(.leaseHeld, "\(holder) holds the run's lease until \(until)", run: run))
            }
            return .success(try Self.lease(RunRef(id: run, number: number), head: head, owner: owner, ttlMilliseconds: ttlMilliseconds, at: at, in: &context))
        }
    }

    /// Claims runnable runs in one write; see ``JournalStore/claim(_:)``. The embedded store has
    /// one writer, so no two claims ever meet. A run whose row cannot be leased (a malformed id,
    /// an epoch at the 64-bit limit) is passed over: `worker verify` names it.
    public func claim(_ request: ClaimRequest) async throws(JournalError) -> [ClaimedRun] {
        guard request.limit > 0 else { return [] }
        return try await write { context throws(SQLiteError) in
            // Runs the claim leaves alone are read too, and passed over here. Two scans in run
            // order, each stopping at the limit (the runs leased before by their partial index,
            // then the never leased): one sort of every unfinished run would cost as much as the
            // queue is long.
            func part(_ number: Int, _ leased: String) -> String {
                """
                SELECT * FROM (
                    SELECT run_heads.run_no, runs.run_id, run_heads.lease_epoch, run_heads.last_run_seq, run_heads.last_seq,
                           EXISTS (SELECT 1 FROM cancel_requests WHERE cancel_requests.run_no = run_heads.run_no), \(number) AS part
                    FROM run_heads JOIN runs USING (run_no) LEFT JOIN leases USING (run_no) LEFT JOIN workers ON workers.owner = leases.owner
                    WHERE run_heads.terminal = 0 AND run_heads.lease_epoch \(leased)
                      AND (leases.owner IS NULL OR leases.owner = ?1 OR ?5
                           OR (\(Self.leaseExpiry(schema: Self.schemaVersion)) <= ?2 AND \(Self.affinityAllows(host: "?4", now: "?2"))))
                    ORDER BY run_heads.run_no LIMIT ?3
                )
                """
            }
            let select = try context.connection.statement(built: part(0, "> 0") + " UNION ALL " + part(1, "= 0") + " ORDER BY part, run_no")
            select.bind(1, request.owner)
            select.bind(2, request.at.milliseconds)
            select.bind(3, request.limit.addingSaturated(request.excluding.count).addingSaturated(request.unchangedSince.count))
            select.bind(4, request.host)
            select.bind(5, request.takingOver ? 1 : 0)
            var found: [(RunRef, LeasedHead, cancelRequested: Bool)] = []
            do {
                defer { select.reset() }
                while found.count < request.limit, try select.step() {
                    let head = LeasedHead(number: select.int64(0), epoch: select.int64(2), runSeq: select.int(3), lastSeq: select.int64(4))
                    guard !request.leavesAlone(runNo: head.number, lastSeq: head.lastSeq), head.epoch < Int64.max, head.runSeq < Int.max,
                        let id = RunID(select.text(1))
                    else { continue }
                    found.append((RunRef(id: id, number: head.number), head, select.int(5) != 0))
                }
            }
            var claimed: [ClaimedRun] = []
            claimed.reserveCapacity(found.count)
            for (run, head, cancelRequested) in found {
                let lease = try Self.lease(run, head: head, owner: request.owner, ttlMilliseconds: request.ttlMilliseconds, at: request.at, in: &context)
                claimed.append(ClaimedRun(lease: lease, cancelRequested: cancelRequested))
            }
            return .success(claimed)
        }
    }

    /// What taking a run's lease reads of its head.
    private struct LeasedHead {
        var number: Int64
        var epoch: Int64
        var runSeq: Int
        var lastSeq: Int64
    }

    /// Takes the lease: a lease record at the next epoch, the head moved on, the `leases` row.
    private static func lease(
        _ run: RunRef,
        head: LeasedHead,
        owner: String,
        ttlMilliseconds: Int64,
        at: Timestamp,
        in context: inout WriteContext
    ) throws(SQLiteError) -> Lease {
        let payload = JSONValue.object(["owner": .string(owner), "ttlMs": .int(ttlMilliseconds)]).canonicalBytes
        let expires = at.adding(milliseconds: ttlMilliseconds)
        let epoch = head.epoch + 1
        let runSeq = head.runSeq + 1
        let update = try context.connection.statement(
            "UPDATE run_heads SET lease_epoch = ?1, last_run_seq = ?2, last_seq = ?3, updated_ms = ?4 WHERE run_no = ?5"
        )
        update.bind(1, epoch)
        update.bind(2, runSeq)
        update.bind(3, context.nextSeq)
        update.bind(4, at.milliseconds)
        update.bind(5, head.number)
        try update.run()
        let receipt = try context.appendRecord(
            runNo: head.number,
            runSeq: runSeq,
            runPrev: head.lastSeq,
            kind: .lease,
            epoch: epoch,
            at: at,
            event: payload,
            state: nil,
            intents: nil,
            abandons: nil,
            answers: nil
        )
        let upsert = try context.connection.statement(
            "INSERT OR REPLACE INTO leases (run_no, owner, epoch, expires_ms) VALUES (?1, ?2, ?3, ?4)"
        )
        upsert.bind(1, head.number)
        upsert.bind(2, owner)
        upsert.bind(3, epoch)
        upsert.bind(4, expires.milliseconds)
        try upsert.run()
        return Lease(run: run, owner: owner, epoch: epoch, expiresAt: expires, runSeq: runSeq, seq: receipt.seq)
    }

    /// Milliseconds from `at` until the first live lease of another owner on an unfinished run
    /// runs out (for a run tied to another host, its grace), or `nil`; see
    /// ``JournalStore/millisecondsUntilNextLeaseRunsOut(otherThan:host:at:)``.
    public func millisecondsUntilNextLeaseRunsOut(otherThan owner: String, host: String, at: Timestamp) throws(JournalError) -> Int64? {
        try read { connection throws(SQLiteError) in
            let query = try connection.statement(
                built: """
                SELECT min(free) - ?2 FROM (
                    SELECT CASE WHEN run_heads.affinity_host IS NULL OR run_heads.affinity_host = ?3
                                THEN \(Self.leaseExpiry(schema: Self.schemaVersion))
                                ELSE max(\(Self.leaseExpiry(schema: Self.schemaVersion)), \(Self.holderRenewedUntil) + run_heads.affinity_grace_ms) END AS free
                    FROM run_heads JOIN leases USING (run_no) LEFT JOIN workers ON workers.owner = leases.owner
                    WHERE run_heads.terminal = 0 AND run_heads.lease_epoch > 0 AND leases.owner <> ?1
                ) WHERE free > ?2
                """
            )
            defer { query.reset() }
            query.bind(1, owner)
            query.bind(2, at.milliseconds)
            query.bind(3, host)
            guard try query.step() else { return nil }
            return query.optionalInt64(0)
        }
    }

    /// Whether this process holds the journal's owner lock, which every worker takes: then
    /// every other lease holder is dead.
    public var ownsExclusively: Bool { options.role == .owner }

    /// Keeps every lease `owner` holds alive until `ttlMilliseconds` after `at`: one row
    /// written, however many runs the worker drives.
    public func heartbeat(owner: String, ttlMilliseconds: Int64, at: Timestamp) async throws(JournalError) {
        let until = at.adding(milliseconds: ttlMilliseconds).milliseconds
        try await write { context throws(SQLiteError) in
            let upsert = try context.connection.statement(
                "INSERT INTO workers (owner, expires_ms) VALUES (?1, ?2) ON CONFLICT (owner) DO UPDATE SET expires_ms = excluded.expires_ms"
            )
            upsert.bind(1, owner)
            upsert.bind(2, until)
            try upsert.run()
            return .success(())
        }
    }

    /// Lets go of every lease `owner` holds at once (a worker stopping); its last heartbeat stays.
    public func releaseLeases(owner: String) async throws(JournalError) {
        try await write { context throws(SQLiteError) in
            let leases = try context.connection.statement("UPDATE leases SET expires_ms = 0 WHERE owner = ?1")
            leases.bind(1, owner)
            try leases.run()
            return .success(())
        }
    }

    /// Gives a lease up, so another owner can take the run at once (graceful shutdown).
    public func releaseLease(_ lease: Lease) async throws(JournalError) {
        try await write { context throws(SQLiteError) in
            let update = try context.connection.statement("UPDATE leases SET expires_ms = 0 WHERE run_no = ?1 AND epoch = ?2")
            update.bind(1, lease.run.number)
            update.bind(2, lease.epoch)
            try update.run()
            return .success(())
        }
    }
}
