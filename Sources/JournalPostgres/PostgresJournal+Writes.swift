import Journal
import RunStateMachine

extension PostgresJournal {
    /// Creates a run of `Machine`'s newest revision; see ``JournalStore/submit(_:input:label:idempotencyKey:at:id:)``.
    /// Across workers and API nodes, the unique idempotency key makes one submit create the run
    /// and the others return it.
    public func submit<Machine: StateMachine>(
        _ machine: Machine.Type,
        input: Machine.Input,
        label: String?,
        idempotencyKey: String?,
        at: Timestamp,
        id: RunID?
    ) async throws(JournalError) -> SubmitResult {
        let prepared = try PreparedSubmit(machine, input: input, label: label, idempotencyKey: idempotencyKey, at: at, id: id)
        guard case .submitted(let result) = try await write(.submit(prepared)) else { throw Self.unexpectedReply }
        return result
    }

    /// Appends a transition under its lease; see ``JournalStore/append(_:)``.
    public func append(_ request: AppendRequest) async throws(JournalError) -> JournalReceipt {
        guard request.epoch >= 1 else {
            throw JournalError(.notLeased, "transitions need a lease; acquire one first", run: request.run.id)
        }
        guard case .appended(let receipt) = try await write(.append(request)) else { throw Self.unexpectedReply }
        return receipt
    }

    /// Takes a run's lease at the next epoch; whether another owner's lease has run out is
    /// judged by the database's clock. See ``JournalStore/acquireLease(run:owner:ttlMilliseconds:at:takingOver:)``.
    public func acquireLease(run: RunID, owner: String, ttlMilliseconds: Int64, at: Timestamp, takingOver: Bool) async throws(JournalError) -> Lease {
        let request = LeaseRequest(run: run, owner: owner, ttlMilliseconds: ttlMilliseconds, at: at, takingOver: takingOver)
        guard case .leased(let lease) = try await write(.acquire(request)) else { throw Self.unexpectedReply }
        return lease
    }

    /// Claims runnable runs in the next batch; see ``JournalStore/claim(_:)``. Rows another
    /// worker's batch has locked are passed over (`FOR UPDATE SKIP LOCKED`), and whether a
    /// lease has run out is judged by the database's clock.
    public func claim(_ request: ClaimRequest) async throws(JournalError) -> [ClaimedRun] {
        guard request.limit > 0 else { return [] }
        guard case .claimed(let runs) = try await write(.claim(request)) else { throw Self.unexpectedReply }
        return runs
    }

    /// Keeps every lease `owner` holds alive until `ttlMilliseconds` from now on the database's
    /// clock: one `workers` row written (in the next batch), however many runs it drives.
    public func heartbeat(owner: String, ttlMilliseconds: Int64, at: Timestamp) async throws(JournalError) {
        _ = try await write(.heartbeat(owner: owner, ttlMilliseconds: ttlMilliseconds))
    }

    /// Lets go of every lease `owner` holds at once. Its last heartbeat stays: until then it may
    /// have renewed what its runs hold on its host (``HostAffinity``).
    public func releaseLeases(owner: String) async throws(JournalError) {
        _ = try await write(.retire(owner: owner))
    }

    /// Lets a lease go at once; nothing happens if it is stale.
    public func releaseLease(_ lease: Lease) async throws(JournalError) {
        _ = try await write(.release(lease))
    }

    /// Records an operator's request to cancel the run `text` names.
    public func requestCancel(run text: String, reason: String, at: Timestamp) async throws(JournalError) -> RunSummary {
        let summary = try await run(matching: text)
        guard !summary.terminal else {
            throw JournalError(.runFinished, "the run has already finished (\(summary.stateName)); there is nothing to cancel", run: summary.run.id)
        }
        _ = try await write(.requestCancel(runNo: summary.run.number, reason: reason, at: at))
        return summary
    }

    /// Records an operator's decision about run number `runNo`, replacing any request it had;
    /// see ``JournalStore/requestResolution(run:resolution:note:at:whileIn:)`` for the checks.
    public func recordResolution(runNo: Int64, resolution: Resolution, note: String, at: Timestamp) async throws(JournalError) {
        _ = try await write(.requestResolution(runNo: runNo, resolution: resolution, note: note, at: at))
    }

    /// Deletes run number `runNo`'s operator request.
    public func clearOperatorRequest(runNo: Int64) async throws(JournalError) {
        _ = try await write(.clearCancel(runNo: runNo))
    }

    static var unexpectedReply: JournalError {
        JournalError(.storage, "the journal's writer answered a write with another kind of reply")
    }
}
