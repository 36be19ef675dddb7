import RunStateMachine

/// What a worker asks of ``JournalStore/claim(_:)``: up to ``limit`` runnable runs, leased to
/// ``owner`` in one write, none of them one another worker is claiming at the same moment.
///
/// A run is runnable when it is unfinished and no live lease holds it. The worker's own lease
/// counts as no lease unless the run is in ``excluding``: a worker lists there every run it
/// drives, so a run it leased but is not driving (a claim whose reply was lost when the store
/// went away) is claimed again rather than kept alive, undriven, by its heartbeat.
public struct ClaimRequest: Hashable, Sendable {
    /// Who takes the runs (a worker id).
    public var owner: String
    /// How long each lease lasts unless renewed (the owner's heartbeat renews them all).
    public var ttlMilliseconds: Int64
    /// At most this many runs.
    public var limit: Int
    /// The caller's clock: the lease records' time. Whether another owner's lease has run out
    /// is judged by the store's clock.
    public var at: Timestamp
    /// Take runs even from live owners: only for a worker that knows every other owner is dead
    /// (``JournalStore/ownsExclusively``).
    public var takingOver: Bool
    /// Runs not to take: those the worker drives, awaits to take again, or left alone.
    public var excluding: Set<Int64>
    /// Runs not to take while their last record is still the one given (by run number): runs
    /// parked until an operator decides or a time comes, which any new record wakes.
    public var unchangedSince: [Int64: Int64]

    /// A claim of up to `limit` runs for `owner`.
    public init(
        owner: String,
        ttlMilliseconds: Int64,
        limit: Int,
        at: Timestamp,
        takingOver: Bool = false,
        excluding: Set<Int64> = [],
        unchangedSince: [Int64: Int64] = [:]
    ) {
        self.owner = owner
        self.ttlMilliseconds = ttlMilliseconds
        self.limit = limit
        self.at = at
        self.takingOver = takingOver
        self.excluding = excluding
        self.unchangedSince = unchangedSince
    }

    /// Whether the claim leaves this run alone, whatever its lease.
    public func leavesAlone(runNo: Int64, lastSeq: Int64) -> Bool {
        excluding.contains(runNo) || unchangedSince[runNo] == lastSeq
    }

    /// Whether a run whose lease `holder` holds until `liveUntil` (milliseconds on the store's
    /// clock, `now`) may be claimed.
    public func mayTake(leaseOf holder: String?, liveUntil: Int64, now: Int64) -> Bool {
        guard let holder, !takingOver else { return true }
        return holder == owner || liveUntil <= now
    }
}
