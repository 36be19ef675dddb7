import Journal
import RunStateMachine

/// A write queued for the next batch: everything a store call asks of the database, already
/// encoded, so planning the batch needs nothing but what the batch reads under its locks.
enum PendingWrite: Sendable {
    /// Create a run (``PostgresJournal/submit(_:input:label:idempotencyKey:at:id:)``).
    case submit(PreparedSubmit)
    /// Append a transition under its lease.
    case append(AppendRequest)
    /// Take a run's lease at the next epoch.
    case acquire(LeaseRequest)
    /// Take runnable runs' leases, passing over those other batches are taking.
    case claim(ClaimRequest)
    /// Keep every lease of a worker alive for a duration on the database's clock.
    case heartbeat(owner: String, ttlMilliseconds: Int64)
    /// Let every lease of a worker go (its last heartbeat stays, for host affinity).
    case retire(owner: String)
    /// Let a lease go.
    case release(Lease)
    /// Record (or replace) an operator's cancel request.
    case requestCancel(runNo: Int64, reason: String, at: Timestamp)
    /// Record (or replace) an operator's decision about a parked run.
    case requestResolution(runNo: Int64, resolution: Resolution, note: String, at: Timestamp)
    /// Delete a cancel request.
    case clearCancel(runNo: Int64)

    /// Whether other workers should hear of it at once (``WakeUpListener``): a run submitted, a
    /// cancel requested.
    var isNews: Bool {
        switch self {
        case .submit, .requestCancel, .requestResolution: true
        default: false
        }
    }

    /// Whether the write appends a record, and so takes the chain head's lock.
    var appendsRecord: Bool {
        switch self {
        case .submit, .append, .acquire, .claim: true
        case .heartbeat, .retire, .release, .requestCancel, .requestResolution, .clearCancel: false
        }
    }

    /// The run whose head (and lease) the write reads and locks, by number or by id.
    var lockedRun: (number: Int64?, id: RunID?)? {
        switch self {
        case .append(let request): (request.run.number, nil)
        case .acquire(let request): (nil, request.run)
        case .release(let lease): (lease.run.number, nil)
        case .submit, .claim, .heartbeat, .retire, .requestCancel, .requestResolution, .clearCancel: nil
        }
    }
}

/// A request for a run's lease.
struct LeaseRequest: Sendable {
    /// The run.
    var run: RunID
    /// Who asks.
    var owner: String
    /// How long the lease lasts, on the database's clock.
    var ttlMilliseconds: Int64
    /// The caller's clock (the lease record's time).
    var at: Timestamp
    /// Take it even from a live owner.
    var takingOver: Bool
}

/// What a write returns once its batch has committed.
enum WriteReply: Sendable {
    case submitted(SubmitResult)
    case appended(JournalReceipt)
    case leased(Lease)
    case claimed([ClaimedRun])
    case done
}
