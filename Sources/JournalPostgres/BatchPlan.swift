import Journal
import RunStateMachine

/// What one batch of writes does, decided from what it read (``BatchSnapshot``): the records it
/// appends, chained from the head, the heads, leases and cancel requests it leaves, and each
/// write's reply. A pure value: the same writes over the same snapshot plan the same batch, and
/// the tests check it without a database.
///
/// Writes are decided one after another in their order, each seeing the heads the ones before
/// it left, so a batch commits exactly what running its writes one at a time would have. A
/// refused write (a stale epoch, a held lease, a conflicting key) changes nothing and does not
/// stop the others.
struct BatchPlan: Sendable {
    /// A journal row to insert.
    struct Record: Sendable, Equatable {
        var seq: Int64
        var runNo: Int64
        var runSeq: Int
        var runPrev: Int64?
        var kind: RecordKind
        var epoch: Int64
        var atMilliseconds: Int64
        var event: [UInt8]
        var state: [UInt8]?
        var intents: [UInt8]?
        var abandons: [UInt8]?
        var answers: [UInt8]?
        var prevHash: [UInt8]
        var hash: [UInt8]
    }

    /// What happens to a run's cancel request.
    enum CancelChange: Sendable, Equatable {
        /// Record a request: a cancel (no resolution) or a decision, with the operator's reason
        /// or note.
        case set(reason: String, atMilliseconds: Int64, resolution: Resolution? = nil)
        case clear
    }

    /// The records to insert, in sequence order.
    private(set) var records: [Record] = []
    /// The heads to write (new runs' and changed ones), by run number.
    private(set) var heads: [Int64: BatchSnapshot.Head] = [:]
    /// The `leases` rows to write, by run number.
    private(set) var leases: [Int64: BatchSnapshot.LeaseRow] = [:]
    /// The cancel requests to write or delete, by run number.
    private(set) var cancels: [Int64: CancelChange] = [:]
    /// The workers' heartbeats to write, by owner.
    private(set) var heartbeats: [String: Int64] = [:]
    /// The workers whose every lease is let go.
    private(set) var retired: Set<String> = []
    /// The chain head after the batch.
    private(set) var chainSeq: Int64
    private(set) var chainHash: [UInt8]
    /// Each write's reply, in the writes' order.
    private(set) var replies: [Result<WriteReply, JournalError>] = []

    private var snapshot: BatchSnapshot
    private var scratch: [UInt8] = []

    /// Plans `writes` over `snapshot`.
    init(_ writes: [PendingWrite], over snapshot: BatchSnapshot) {
        self.snapshot = snapshot
        chainSeq = snapshot.chainSeq
        chainHash = snapshot.chainHash
        replies.reserveCapacity(writes.count)
        records.reserveCapacity(writes.count)
        for (index, write) in writes.enumerated() {
            replies.append(decide(write, at: index))
        }
    }

    /// The runs whose heads the batch changed.
    var changedRuns: Set<Int64> { Set(heads.keys) }

    private mutating func decide(_ write: PendingWrite, at index: Int) -> Result<WriteReply, JournalError> {
        switch write {
        case .submit(let submit): submitted(submit, at: index)
        case .append(let request): appended(request)
        case .acquire(let request): leased(request)
        case .claim(let request): claimed(request, at: index)
        case .heartbeat(let owner, let ttl): beat(owner, until: snapshot.nowMilliseconds.addingSaturated(ttl))
        case .retire(let owner): retire(owner)
        case .release(let lease): released(lease)
        case .requestCancel(let runNo, let reason, let at):
            record(cancel: .set(reason: reason, atMilliseconds: at.milliseconds), runNo: runNo)
        case .requestResolution(let runNo, let resolution, let note, let at):
            record(cancel: .set(reason: note, atMilliseconds: at.milliseconds, resolution: resolution), runNo: runNo)
        case .clearCancel(let runNo):
            record(cancel: .clear, runNo: runNo)
        }
    }

    /// Keeps `owner`'s leases alive until `until`.
    private mutating func beat(_ owner: String, until: Int64) -> Result<WriteReply, JournalError> {
        heartbeats[owner] = until
        return .success(.done)
    }

    /// Lets every lease of `owner` go. Its last heartbeat stays: until then it may have renewed
    /// what its runs hold on its host (``HostAffinity``).
    private mutating func retire(_ owner: String) -> Result<WriteReply, JournalError> {
        retired.insert(owner)
        return .success(.done)
    }

    private mutating func record(cancel: CancelChange, runNo: Int64) -> Result<WriteReply, JournalError> {
        cancels[runNo] = cancel
        return .success(.done)
    }

    private mutating func submitted(_ submit: PreparedSubmit, at index: Int) -> Result<WriteReply, JournalError> {
        guard let runNo = snapshot.created[index] else {
            guard let key = submit.idempotencyKey, let existing = snapshot.keyed[key] else {
                return .failure(JournalError(.storage, "run id \(submit.runID) is already taken; submit again for a new id", run: submit.runID))
            }
            guard let id = RunID(existing.runID) else {
                return .failure(JournalError(.corrupt, "the run holding idempotency key '\(key)' has a malformed id in the runs table; run 'worker verify'"))
            }
            let run = RunRef(id: id, number: existing.runNo)
            guard existing.inputHash == submit.inputHash else {
                return .failure(submit.conflict(with: run))
            }
            return .success(.submitted(SubmitResult(run: run, created: false)))
        }
        let seq = chainSeq + 1
        let head = BatchSnapshot.Head(
            runNo: runNo,
            runID: submit.runID.value,
            stateName: submit.stateName,
            terminal: submit.terminal,
            lastRunSeq: 1,
            lastSeq: seq,
            leaseEpoch: 0,
            updatedMilliseconds: submit.at.milliseconds,
            lease: nil
        )
        snapshot.heads[runNo] = head
        snapshot.numbers[submit.runID.value] = runNo
        heads[runNo] = head
        append(
            runNo: runNo, runSeq: 1, runPrev: nil, kind: .created, epoch: 0, at: submit.at,
            event: submit.event, state: submit.state, intents: submit.intents, abandons: nil, answers: nil
        )
        return .success(.submitted(SubmitResult(run: RunRef(id: submit.runID, number: runNo), created: true)))
    }

    private mutating func appended(_ request: AppendRequest) -> Result<WriteReply, JournalError> {
        guard var head = snapshot.heads[request.run.number] else {
            return .failure(JournalError(.unknownRun, "no run has id \(request.run.id)", run: request.run.id))
        }
        guard request.fits(lastRunSeq: head.lastRunSeq, epoch: head.leaseEpoch, terminal: head.terminal, lastSeq: head.lastSeq) else {
            return .failure(request.refusal(lastRunSeq: head.lastRunSeq, epoch: head.leaseEpoch, terminal: head.terminal, lastSeq: head.lastSeq))
        }
        let receipt = append(
            runNo: head.runNo, runSeq: request.runSeq, runPrev: request.previousSeq, kind: .transition, epoch: request.epoch, at: request.at,
            event: request.event, state: request.state, intents: request.intents, abandons: request.abandons,
            answers: request.answers.map { Array($0.description.utf8) }
        )
        head.stateName = request.stateName
        head.terminal = request.terminal
        head.lastRunSeq = request.runSeq
        head.lastSeq = receipt.seq
        head.updatedMilliseconds = request.at.milliseconds
        head.affinity = request.affinity
        keep(head)
        return .success(.appended(receipt))
    }

    private mutating func leased(_ request: LeaseRequest) -> Result<WriteReply, JournalError> {
        let run = request.run
        guard let number = snapshot.numbers[run.value], var head = snapshot.heads[number] else {
            return .failure(JournalError(.unknownRun, "no run has id \(run)", run: run))
        }
        guard !head.terminal else {
            return .failure(JournalError(.runFinished, "the run has finished; there is nothing to lease", run: run))
        }
        guard head.leaseEpoch < Int64.max, head.lastRunSeq < Int.max else {
            return .failure(JournalError(.corrupt, "the run's lease epoch or record count is at the 64-bit limit; run 'worker verify'", run: run))
        }
        if !request.takingOver, let lease = head.lease, lease.owner != request.owner, lease.liveUntil > snapshot.nowMilliseconds {
            let left = lease.liveUntil - snapshot.nowMilliseconds
            return .failure(JournalError(.leaseHeld, "\(lease.owner) holds the run's lease for another \(left) ms", run: run))
        }
        return .success(.leased(lease(&head, of: RunRef(id: run, number: head.runNo), owner: request.owner, ttlMilliseconds: request.ttlMilliseconds, at: request.at)))
    }

    /// Leases the runs the claim found and locked, unless the writes before it in the batch
    /// changed them (finished one, leased one to another live owner). A run whose row cannot be
    /// leased (a malformed id, an epoch at the 64-bit limit) is passed over: `worker verify`
    /// names it.
    private mutating func claimed(_ request: ClaimRequest, at index: Int) -> Result<WriteReply, JournalError> {
        var runs: [ClaimedRun] = []
        for number in snapshot.claimed[index] ?? [] {
            guard var head = snapshot.heads[number], !head.terminal, head.leaseEpoch < Int64.max, head.lastRunSeq < Int.max,
                !request.leavesAlone(runNo: number, lastSeq: head.lastSeq),
                request.mayTake(
                    leaseOf: head.lease?.owner,
                    liveUntil: head.lease?.liveUntil ?? 0,
                    renewedUntil: head.lease?.renewedUntil ?? 0,
                    affinity: head.affinity,
                    now: snapshot.nowMilliseconds
                ),
                let id = RunID(head.runID)
            else { continue }
            let lease = lease(&head, of: RunRef(id: id, number: number), owner: request.owner, ttlMilliseconds: request.ttlMilliseconds, at: request.at)
            runs.append(ClaimedRun(lease: lease, cancelRequested: head.cancelRequested))
        }
        return .success(.claimed(runs))
    }

    /// Takes the run's lease at the next epoch: a lease record, the head moved on, the lease row.
    private mutating func lease(_ head: inout BatchSnapshot.Head, of run: RunRef, owner: String, ttlMilliseconds: Int64, at: Timestamp) -> Lease {
        let epoch = head.leaseEpoch + 1
        let runSeq = head.lastRunSeq + 1
        let payload = JSONValue.object(["owner": .string(owner), "ttlMs": .int(ttlMilliseconds)]).canonicalBytes
        let receipt = append(
            runNo: head.runNo, runSeq: runSeq, runPrev: head.lastSeq, kind: .lease, epoch: epoch, at: at,
            event: payload, state: nil, intents: nil, abandons: nil, answers: nil
        )
        head.leaseEpoch = epoch
        head.lastRunSeq = runSeq
        head.lastSeq = receipt.seq
        head.updatedMilliseconds = at.milliseconds
        head.lease = BatchSnapshot.LeaseRow(owner: owner, epoch: epoch, expiresMilliseconds: snapshot.nowMilliseconds.addingSaturated(ttlMilliseconds))
        keep(head)
        keepLease(head)
        return Lease(
            run: run,
            owner: owner,
            epoch: epoch,
            expiresAt: at.adding(milliseconds: ttlMilliseconds),
            runSeq: runSeq,
            seq: receipt.seq
        )
    }

    private mutating func released(_ lease: Lease) -> Result<WriteReply, JournalError> {
        if var head = snapshot.heads[lease.run.number], var row = head.lease, row.epoch == lease.epoch {
            row.expiresMilliseconds = 0
            head.lease = row
            keepLease(head)
        }
        return .success(.done)
    }

    /// Keeps a changed head for writing, and for the writes after it. Its lease row is not
    /// written: an append leaves it as it is.
    private mutating func keep(_ head: BatchSnapshot.Head) {
        snapshot.heads[head.runNo] = head
        heads[head.runNo] = head
    }

    /// Keeps a head whose lease changed: its lease row is written.
    private mutating func keepLease(_ head: BatchSnapshot.Head) {
        snapshot.heads[head.runNo] = head
        if let lease = head.lease { leases[head.runNo] = lease }
    }

    /// Appends a record chained to the head and advances the head.
    @discardableResult
    private mutating func append(
        runNo: Int64, runSeq: Int, runPrev: Int64?, kind: RecordKind, epoch: Int64, at: Timestamp,
        event: [UInt8], state: [UInt8]?, intents: [UInt8]?, abandons: [UInt8]?, answers: [UInt8]?
    ) -> JournalReceipt {
        let seq = chainSeq + 1
        let hash = HashChain.hash(
            prev: chainHash, seq: seq, runNo: runNo, runSeq: runSeq, runPrev: runPrev, kind: kind, epoch: epoch,
            atMilliseconds: at.milliseconds, event: event, state: state, intents: intents, abandons: abandons, answers: answers,
            scratch: &scratch
        )
        records.append(
            Record(
                seq: seq, runNo: runNo, runSeq: runSeq, runPrev: runPrev, kind: kind, epoch: epoch, atMilliseconds: at.milliseconds,
                event: event, state: state, intents: intents, abandons: abandons, answers: answers, prevHash: chainHash, hash: hash
            )
        )
        chainSeq = seq
        chainHash = hash
        return JournalReceipt(seq: seq, runSeq: runSeq, hash: hash)
    }
}
