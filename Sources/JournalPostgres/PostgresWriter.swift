import Journal
import Logging
import PostgresNIO
import RunStateMachine
import Synchronization

/// The group commit of a PostgreSQL journal: writes queued while a batch commits join the next
/// one, and one transaction commits them all (one `COMMIT`, one WAL flush); each caller resumes
/// once its batch has committed.
///
/// A batch reads what it needs under row locks (the chain head, then the heads of the runs it
/// touches, in run-number order so that two workers' batches cannot deadlock), plans with
/// ``BatchPlan`` and writes the plan with one statement per table, whatever the batch's size.
/// Every batch that appends records locks the one `chain_head` row first, so batches of all the
/// workers on the database append to the chain one after another.
final class PostgresWriter: Sendable {
    private struct Job: Sendable {
        let write: PendingWrite
        let continuation: CheckedContinuation<Result<WriteReply, JournalError>, Never>
    }

    private struct State: ~Copyable {
        var pending: [Job] = []
        var draining = false
        var closed = false
        var statistics = CommitStatistics()
    }

    private let source: ConnectionSource
    private let state = Mutex(State())
    private let maxBatch: Int

    init(source: ConnectionSource, maxBatch: Int) {
        self.source = source
        self.maxBatch = max(1, maxBatch)
    }

    /// What the writer has committed so far.
    var statistics: CommitStatistics { state.withLock { $0.statistics } }

    /// Queues `write` for the next batch and waits until that batch has committed.
    func perform(_ write: PendingWrite) async throws(JournalError) -> WriteReply {
        let result: Result<WriteReply, JournalError> = await withCheckedContinuation { continuation in
            let start: Bool? = state.withLock { state in
                guard !state.closed else { return nil }
                state.pending.append(Job(write: write, continuation: continuation))
                defer { state.draining = true }
                return !state.draining
            }
            switch start {
            case nil: continuation.resume(returning: .failure(JournalError(.closed, "the journal is closed")))
            case true?: Task { await self.drain() }
            case false?: break
            }
        }
        return try result.get()
    }

    /// Refuses new writes; those queued still commit, then the writer's connection closes.
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            return !state.draining
        }
        if idle { source.close() }
    }

    private func drain() async {
        while true {
            let (batch, closed): ([Job], Bool) = state.withLock { state in
                let count = min(state.pending.count, maxBatch)
                defer { state.pending.removeFirst(count) }
                if count == 0 { state.draining = false }
                return (Array(state.pending.prefix(count)), state.closed)
            }
            guard !batch.isEmpty else {
                if closed { source.close() }
                return
            }
            let clock = ContinuousClock()
            let started = clock.now
            let replies: [Result<WriteReply, JournalError>]
            do throws(JournalError) {
                let (writes, logger) = (batch.map(\.write), source.logger)
                replies = try await source.withConnection { connection in
                    try await Self.commit(writes, on: connection, logger: logger)
                }
                let busy = clock.now - started
                state.withLock { state in
                    state.statistics.busy += busy
                    state.statistics.commits += 1
                    state.statistics.operations += batch.count
                    state.statistics.largestBatch = max(state.statistics.largestBatch, batch.count)
                }
            } catch {
                replies = Array(repeating: .failure(error), count: batch.count)
            }
            for (job, reply) in zip(batch, replies) {
                job.continuation.resume(returning: reply)
            }
        }
    }

    /// Runs one batch in one transaction; rolls back on any error.
    private static func commit(_ writes: [PendingWrite], on connection: DatabaseSession, logger: Logger) async throws -> [Result<WriteReply, JournalError>] {
        try await connection.query("BEGIN", logger: logger)
        do {
            let snapshot = try await read(for: writes, on: connection, logger: logger)
            let plan = BatchPlan(writes, over: snapshot)
            try await write(plan, on: connection, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            return plan.replies
        } catch {
            await connection.rollBack(after: error, logger: logger)
            throw error
        }
    }

    /// Reads what the batch plans from, taking its locks; inserts the submits' `runs` rows (the
    /// unique idempotency key decides which submit creates a run, not a read before the insert).
    private static func read(for writes: [PendingWrite], on connection: DatabaseSession, logger: Logger) async throws -> BatchSnapshot {
        var snapshot = BatchSnapshot()
        let appends = writes.contains { $0.appendsRecord }
        // A batch with news notifies the listeners in its first statement, no round trip of its
        // own: NOTIFY is delivered when the transaction commits, and not at all if it rolls back.
        let notify = writes.contains { $0.isNews } ? ", pg_notify(\(WakeUpListener.channelSQL), '')" : ""
        let clock = try await connection.query(
            PostgresQuery(
                unsafeSQL: appends
                    ? "SELECT seq, hash, (extract(epoch FROM clock_timestamp()) * 1000)::int8\(notify) FROM chain_head FOR UPDATE"
                    : "SELECT 0::int8, ''::bytea, (extract(epoch FROM clock_timestamp()) * 1000)::int8\(notify)"
            ),
            logger: logger
        )
        for try await row in clock {
            let reader = PostgresRowReader(row)
            snapshot.chainSeq = try reader.int64(0)
            if appends { snapshot.chainHash = try reader.bytes(1) }
            snapshot.nowMilliseconds = try reader.int64(2)
        }
        try await insertRuns(for: writes, into: &snapshot, on: connection, logger: logger)
        var numbers: [Int64] = []
        for (index, write) in writes.enumerated() {
            guard case .claim(let request) = write, request.limit > 0 else { continue }
            let found = try await claimable(request, passingOver: numbers, now: snapshot.nowMilliseconds, on: connection, logger: logger)
            snapshot.claimed[index] = found
            numbers += found
        }
        var ids: [String] = []
        for write in writes {
            guard let run = write.lockedRun else { continue }
            if let number = run.number { numbers.append(number) }
            if let id = run.id { ids.append(id.value) }
        }
        if !numbers.isEmpty || !ids.isEmpty {
            var binds = PostgresBindings(capacity: 2)
            binds.append(PostgresArray(int8: numbers))
            binds.append(PostgresArray(text: ids))
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT h.run_no, r.run_id, h.state_name, h.terminal, h.last_run_seq, h.last_seq, h.lease_epoch, h.updated_ms,
                               l.owner, l.epoch, l.expires_ms, w.expires_ms,
                               EXISTS (SELECT 1 FROM cancel_requests c WHERE c.run_no = h.run_no), h.affinity_host, h.affinity_grace_ms
                        FROM run_heads h JOIN runs r ON r.run_no = h.run_no LEFT JOIN leases l ON l.run_no = h.run_no
                        LEFT JOIN workers w ON w.owner = l.owner
                        WHERE h.run_no = ANY($1::int8[] || ARRAY(SELECT run_no FROM runs WHERE run_id = ANY($2::text[])))
                        ORDER BY h.run_no
                        FOR UPDATE OF h
                        """,
                    binds: binds
                ),
                logger: logger
            )
            for try await row in rows {
                let reader = PostgresRowReader(row)
                var head = BatchSnapshot.Head(
                    runNo: try reader.int64(0),
                    runID: try reader.text(1),
                    stateName: try reader.text(2),
                    terminal: try reader.bool(3),
                    lastRunSeq: try reader.int(4),
                    lastSeq: try reader.int64(5),
                    leaseEpoch: try reader.int64(6),
                    updatedMilliseconds: try reader.int64(7),
                    lease: nil,
                    cancelRequested: try reader.bool(12),
                    affinity: try reader.optionalText(13).map { HostAffinity(host: $0, graceMilliseconds: try reader.int64(14)) }
                )
                if let owner = reader.optionalText(8) {
                    head.lease = BatchSnapshot.LeaseRow(
                        owner: owner,
                        epoch: try reader.int64(9),
                        expiresMilliseconds: try reader.int64(10),
                        heartbeatMilliseconds: reader.optionalInt64(11) ?? 0
                    )
                }
                snapshot.heads[head.runNo] = head
                snapshot.numbers[head.runID] = head.runNo
            }
        }
        return snapshot
    }

    /// Finds and locks the runs a claim takes: the runnable runs leased before (interrupted)
    /// first, then the never leased, each in run order, passing over rows another transaction
    /// has locked (`SKIP LOCKED`: concurrent claimers split the runs instead of queueing on the
    /// same rows) and those an earlier claim of this batch took. Whether a lease has run out is
    /// judged at `now`, the batch's reading of the database's clock.
    private static func claimable(
        _ request: ClaimRequest,
        passingOver taken: [Int64],
        now: Int64,
        on connection: DatabaseSession,
        logger: Logger
    ) async throws -> [Int64] {
        var binds = PostgresBindings(capacity: 8)
        binds.append(Int64(request.limit))
        binds.append(request.owner)
        binds.append(request.takingOver)
        binds.append(now)
        binds.append(PostgresArray(int8: Array(request.excluding) + taken))
        binds.append(PostgresArray(int8: Array(request.unchangedSince.keys)))
        binds.append(PostgresArray(int8: Array(request.unchangedSince.values)))
        binds.append(request.host)
        let condition = """
            NOT h.terminal AND (l.owner IS NULL OR l.owner = $2 OR $3 OR (\(PostgresJournal.leaseExpiry) <= $4 AND \(PostgresJournal.affinityAllows(host: "$8", now: "$4"))))
            AND NOT h.run_no = ANY($5::int8[])
            AND NOT EXISTS (SELECT 1 FROM unnest($6::int8[], $7::int8[]) AS p(run_no, last_seq) WHERE p.run_no = h.run_no AND p.last_seq = h.last_seq)
            """
        let source = "run_heads h LEFT JOIN leases l ON l.run_no = h.run_no LEFT JOIN workers w ON w.owner = l.owner"
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH earlier AS (
                        SELECT h.run_no FROM \(source) WHERE h.lease_epoch > 0 AND \(condition)
                        ORDER BY h.run_no LIMIT $1 FOR UPDATE OF h SKIP LOCKED
                    ), fresh AS (
                        SELECT h.run_no FROM \(source) WHERE h.lease_epoch = 0 AND \(condition)
                        ORDER BY h.run_no LIMIT $1 - (SELECT count(*) FROM earlier) FOR UPDATE OF h SKIP LOCKED
                    )
                    SELECT run_no FROM earlier UNION ALL SELECT run_no FROM fresh
                    """,
                binds: binds
            ),
            logger: logger
        )
        var found: [Int64] = []
        for try await row in rows {
            found.append(try PostgresRowReader(row).int64(0))
        }
        return found
    }

    /// Inserts a `runs` row for every submit whose key and id are free, and reads the runs that
    /// hold the keys of the others.
    private static func insertRuns(for writes: [PendingWrite], into snapshot: inout BatchSnapshot, on connection: DatabaseSession, logger: Logger) async throws {
        var positions: [String: Int] = [:]
        var ids = PostgresArray(.text)
        var machines = PostgresArray(.text)
        var versions = PostgresArray(.text)
        var names = PostgresArray(.text)
        var keys = PostgresArray(.text)
        var hashes = PostgresArray(.text)
        var created = PostgresArray(.int8)
        for (index, write) in writes.enumerated() {
            guard case .submit(let submit) = write else { continue }
            positions[submit.runID.value] = index
            ids.append(string: submit.runID.value)
            machines.append(string: submit.machine)
            versions.append(string: submit.version)
            names.append(string: submit.label)
            keys.append(string: submit.idempotencyKey)
            hashes.append(string: submit.inputHash)
            created.append(submit.at.milliseconds)
        }
        guard !positions.isEmpty else { return }
        var binds = PostgresBindings(capacity: 7)
        for column in [ids, machines, versions, names, keys, hashes, created] {
            binds.append(column)
        }
        let inserted = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO runs (run_no, run_id, machine, machine_version, name, idempotency_key, input_hash, created_ms)
                    SELECT nextval('runs_run_no_seq'), u.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[]) AS u
                    ON CONFLICT DO NOTHING
                    RETURNING run_no, run_id
                    """,
                binds: binds
            ),
            logger: logger
        )
        for try await row in inserted {
            let reader = PostgresRowReader(row)
            if let index = positions[try reader.text(1)] {
                snapshot.created[index] = try reader.int64(0)
            }
        }
        var missingKeys: [String] = []
        for (index, write) in writes.enumerated() {
            if case .submit(let submit) = write, snapshot.created[index] == nil, let key = submit.idempotencyKey {
                missingKeys.append(key)
            }
        }
        guard !missingKeys.isEmpty else { return }
        var keyBinds = PostgresBindings(capacity: 1)
        keyBinds.append(PostgresArray(text: missingKeys))
        let existing = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT run_no, run_id, input_hash, idempotency_key FROM runs WHERE idempotency_key = ANY($1::text[])", binds: keyBinds),
            logger: logger
        )
        for try await row in existing {
            let reader = PostgresRowReader(row)
            snapshot.keyed[try reader.text(3)] = BatchSnapshot.KeyedRun(runNo: try reader.int64(0), runID: try reader.text(1), inputHash: try reader.text(2))
        }
    }

    /// Writes a plan in one statement, whatever it changes: a data-modifying CTE per table (one
    /// round trip; each table is written once, so their order does not matter).
    private static func write(_ plan: BatchPlan, on connection: DatabaseSession, logger: Logger) async throws {
        var statement = WriteStatement()
        if !plan.records.isEmpty {
            statement.add(recordsOf: plan.records)
        }
        if !plan.heads.isEmpty {
            var columns = (0..<9).map { index in PostgresArray(index == 1 || index == 7 ? .text : index == 2 ? .bool : .int8) }
            for head in plan.heads.values {
                columns[0].append(head.runNo)
                columns[1].append(string: head.stateName)
                columns[2].append(head.terminal)
                columns[3].append(Int64(head.lastRunSeq))
                columns[4].append(head.lastSeq)
                columns[5].append(head.leaseEpoch)
                columns[6].append(head.updatedMilliseconds)
                columns[7].append(string: head.affinity?.host)
                columns[8].append(head.affinity?.graceMilliseconds ?? 0)
            }
            statement.add(
                """
                INSERT INTO run_heads (run_no, state_name, terminal, last_run_seq, last_seq, lease_epoch, updated_ms, affinity_host, affinity_grace_ms)
                SELECT * FROM unnest($1::int8[], $2::text[], $3::bool[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::text[], $9::int8[])
                ON CONFLICT (run_no) DO UPDATE SET state_name = excluded.state_name, terminal = excluded.terminal,
                    last_run_seq = excluded.last_run_seq, last_seq = excluded.last_seq, lease_epoch = excluded.lease_epoch,
                    updated_ms = excluded.updated_ms, affinity_host = excluded.affinity_host, affinity_grace_ms = excluded.affinity_grace_ms
                """,
                columns
            )
        }
        if !plan.leases.isEmpty {
            var columns = [PostgresArray(.int8), PostgresArray(.text), PostgresArray(.int8), PostgresArray(.int8)]
            for (runNo, lease) in plan.leases {
                columns[0].append(runNo)
                columns[1].append(string: lease.owner)
                columns[2].append(lease.epoch)
                columns[3].append(lease.expiresMilliseconds)
            }
            statement.add(
                """
                INSERT INTO leases (run_no, owner, epoch, expires_ms) SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], $4::int8[])
                ON CONFLICT (run_no) DO UPDATE SET owner = excluded.owner, epoch = excluded.epoch, expires_ms = excluded.expires_ms
                """,
                columns
            )
        }
        if !plan.cancels.isEmpty {
            var set = [PostgresArray(.int8), PostgresArray(.text), PostgresArray(.int8), PostgresArray(.text)]
            var cleared: [Int64] = []
            for (runNo, change) in plan.cancels {
                switch change {
                case .set(let reason, let at, let resolution):
                    set[0].append(runNo)
                    set[1].append(string: reason)
                    set[2].append(at)
                    set[3].append(string: resolution?.rawValue)
                case .clear:
                    cleared.append(runNo)
                }
            }
            statement.add(
                """
                INSERT INTO cancel_requests (run_no, reason, requested_ms, resolution)
                SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[])
                ON CONFLICT (run_no) DO UPDATE SET reason = excluded.reason, requested_ms = excluded.requested_ms, resolution = excluded.resolution
                """,
                set
            )
            if !cleared.isEmpty {
                statement.add("DELETE FROM cancel_requests WHERE run_no = ANY($1::int8[])", [PostgresArray(int8: cleared)])
            }
        }
        if !plan.heartbeats.isEmpty {
            statement.add(
                """
                INSERT INTO workers (owner, expires_ms) SELECT * FROM unnest($1::text[], $2::int8[])
                ON CONFLICT (owner) DO UPDATE SET expires_ms = excluded.expires_ms
                """,
                [PostgresArray(text: Array(plan.heartbeats.keys)), PostgresArray(int8: Array(plan.heartbeats.values))]
            )
        }
        if !plan.records.isEmpty {
            var hash = PostgresArray(.bytea)
            hash.append(text: plan.chainHash)
            statement.add("UPDATE chain_head SET seq = ($1::int8[])[1], hash = ($2::bytea[])[1]", [PostgresArray(int8: [plan.chainSeq]), hash])
        }
        if let query = statement.query {
            try await connection.query(query, logger: logger)
        }
        // After the statement that may write the same leases (one statement cannot change a row
        // twice).
        if !plan.retired.isEmpty {
            var binds = PostgresBindings(capacity: 1)
            binds.append(PostgresArray(text: Array(plan.retired)))
            try await connection.query(PostgresQuery(unsafeSQL: "UPDATE leases SET expires_ms = 0 WHERE owner = ANY($1::text[])", binds: binds), logger: logger)
        }
    }
}
