import RunStateMachine

/// What a worker asks of ``JournalStore/claim(_:)``: up to ``limit`` runnable runs, leased to
/// ``owner`` in one write, none of them one another worker is claiming at the same moment.
///
/// A run is runnable when it is unfinished and no live lease holds it. The worker's own lease
/// counts as no lease unless the run is in ``excluding``: a worker lists there every run it
/// drives, so a run it leased but is not driving (a claim whose reply was lost when the store
/// went away) is claimed again rather than kept alive, undriven, by its heartbeat.
///
/// A run tied to another host (``HostAffinity``) is runnable for this worker only once its
/// resources there have surely ended: its affinity's grace after both its holder's lease and
/// that holder's heartbeat have run out.
public struct ClaimRequest: Hashable, Sendable {
    /// Who takes the runs (a worker id).
    public var owner: String
    /// The host the owner runs on: runs tied to it (``HostAffinity``) are taken as soon as
    /// their leases are free.
    public var host: String
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
        host: String,
        ttlMilliseconds: Int64,
        limit: Int,
        at: Timestamp,
        takingOver: Bool = false,
        excluding: Set<Int64> = [],
        unchangedSince: [Int64: Int64] = [:]
    ) {
        self.owner = owner
        self.host = host
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

    /// Whether a run whose lease `holder` holds until `liveUntil`, whose holder's lease row and
    /// heartbeat run out at `renewedUntil` at the latest, and which is tied to `affinity`'s
    /// host, may be claimed at `now` (milliseconds on the store's clock).
    ///
    /// A taking-over owner takes every run: it holds the journal's owner lock, which only a
    /// worker of the journal's one host can.
    public func mayTake(leaseOf holder: String?, liveUntil: Int64, renewedUntil: Int64, affinity: HostAffinity?, now: Int64) -> Bool {
        guard let holder, !takingOver, holder != owner else { return true }
        guard liveUntil <= now else { return false }
        guard let affinity, affinity.host != host else { return true }
        return renewedUntil.addingSaturated(affinity.graceMilliseconds) <= now
    }
}
