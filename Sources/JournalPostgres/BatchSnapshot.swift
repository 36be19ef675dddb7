import Journal

/// What a batch read under its locks, and what it plans from: the chain head, the database's
/// clock, the runs its submits created or found, and the heads and leases of the runs it touches.
struct BatchSnapshot: Sendable {
    /// A run's head and lease, as the batch read them (locked).
    struct Head: Sendable, Equatable {
        var runNo: Int64
        var runID: String
        var stateName: String
        var terminal: Bool
        var lastRunSeq: Int
        var lastSeq: Int64
        var leaseEpoch: Int64
        var updatedMilliseconds: Int64
        var lease: LeaseRow?
        /// Whether the run has a cancel request.
        var cancelRequested = false
        /// The host the run's state holds resources on, if any.
        var affinity: HostAffinity? = nil
    }

    /// A `leases` row, with its owner's heartbeat.
    struct LeaseRow: Sendable, Equatable {
        var owner: String
        var epoch: Int64
        var expiresMilliseconds: Int64
        /// Until when the owner's heartbeat keeps the lease alive (0 for none).
        var heartbeatMilliseconds: Int64 = 0

        /// When the lease runs out: the later of its own expiry and its owner's heartbeat,
        /// 0 once released.
        var liveUntil: Int64 {
            expiresMilliseconds == 0 ? 0 : max(expiresMilliseconds, heartbeatMilliseconds)
        }

        /// Until when the owner may have renewed what the run holds on its host: the later of
        /// the lease's expiry and the owner's heartbeat, a release notwithstanding.
        var renewedUntil: Int64 {
            max(expiresMilliseconds, heartbeatMilliseconds)
        }
    }

    /// A run an earlier submit created under an idempotency key.
    struct KeyedRun: Sendable, Equatable {
        var runNo: Int64
        var runID: String
        var inputHash: String
    }

    /// The chain's last record (0 and the genesis hash when empty).
    var chainSeq: Int64 = 0
    var chainHash: [UInt8] = HashChain.genesis
    /// The database's clock, in milliseconds since 1970.
    var nowMilliseconds: Int64 = 0
    /// The run number each submit's new `runs` row got, by the submit's position in the batch;
    /// a submit missing here created no row (its key or id was taken).
    var created: [Int: Int64] = [:]
    /// The runs holding the batch's idempotency keys that its submits did not create.
    var keyed: [String: KeyedRun] = [:]
    /// The runs each claim found runnable and locked, by the claim's position in the batch.
    var claimed: [Int: [Int64]] = [:]
    /// The heads of the runs the batch touches, by run number.
    var heads: [Int64: Head] = [:]
    /// The numbers of those runs, by run id.
    var numbers: [String: Int64] = [:]
}
