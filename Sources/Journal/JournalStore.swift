import RunStateMachine

/// The store protocol: a durable, append-only, hash-chained journal of runs, as the runtime, the
/// effect executors, the status publisher and the command line use it. ``SQLiteJournal`` is the
/// embedded store; a server store implements the same protocol, and one conformance suite
/// (`JournalStoreConformanceTests`) runs the same contract against each.
///
/// Every store keeps the law of the house:
/// - an append, a submit, a lease change or a request returns only once it is durable;
/// - records are never changed or removed, and each one's hash chains to the one before;
/// - an append is refused unless it carries the run's current lease epoch and follows the run's
///   last record (``JournalError/Code/staleEpoch``), so a stale owner cannot write;
/// - a submit with a known idempotency key and the same input returns the existing run;
/// - a corrupt row is reported as ``JournalError/Code/corrupt``, never a crash.
///
/// Every requirement may suspend (a server store waits on the network); the embedded store
/// answers reads synchronously, and code that holds a ``SQLiteJournal`` may call those directly.
public protocol JournalStore: Sendable {
    // MARK: Runs and records

    /// Creates a run of `machine` with `input`, or returns the run an earlier submit with the same
    /// `idempotencyKey` created.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/idempotencyConflict`` if the key
    ///   names a run with another input.
    func submit<Machine: StateMachine>(
        _ machine: Machine.Type,
        input: Machine.Input,
        label: String?,
        idempotencyKey: String?,
        at: Timestamp,
        id: RunID?
    ) async throws(JournalError) -> SubmitResult

    /// Appends a transition under its lease; returns once the record is durable. Concurrent
    /// appends share commits (group commit).
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/staleEpoch`` if the epoch or
    ///   position is not the run's, ``JournalError/Code/runFinished`` if the run has finished.
    func append(_ request: AppendRequest) async throws(JournalError) -> JournalReceipt

    // MARK: Leases

    /// Whether this process is the store's only worker, so that every lease another owner holds
    /// is known to be dead (the embedded store's owner lock). A shared store is never: its other
    /// workers may be alive on other hosts.
    var ownsExclusively: Bool { get }

    /// Takes run `run`'s lease for `owner` until `ttlMilliseconds` from now (and for as long
    /// as the owner's heartbeat lives: ``heartbeat(owner:ttlMilliseconds:at:)``), at the next
    /// fencing epoch; with `takingOver`, even from a live owner known to be dead.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/leaseHeld``,
    ///   ``JournalError/Code/runFinished`` or ``JournalError/Code/unknownRun``.
    func acquireLease(run: RunID, owner: String, ttlMilliseconds: Int64, at: Timestamp, takingOver: Bool) async throws(JournalError) -> Lease

    /// Takes up to `request.limit` runnable runs under leases at their next fencing epochs, in
    /// one durable write, the runs leased before (interrupted) first, then the oldest: each run
    /// goes to one claimer, and claimers on a shared store do not wait for each other (runs
    /// another claim is taking are passed over, not waited for). See ``ClaimRequest`` for which
    /// runs are runnable. Each run comes with whether it has a cancel request.
    func claim(_ request: ClaimRequest) async throws(JournalError) -> [ClaimedRun]

    /// Milliseconds from now until the first live lease of an owner other than `owner` on an
    /// unfinished run runs out (by the store's clock; `at` is the caller's, which the embedded
    /// store uses), or `nil` if no other owner holds one: when a waiting worker should claim
    /// again to take a dead worker's runs as soon as they are free. For a run tied to a host
    /// other than `host`, the time counts to when a worker on `host` may take it
    /// (``ClaimRequest/mayTake(leaseOf:liveUntil:renewedUntil:affinity:now:)``).
    func millisecondsUntilNextLeaseRunsOut(otherThan owner: String, host: String, at: Timestamp) async throws(JournalError) -> Int64?

    /// Keeps every lease `owner` holds alive until `ttlMilliseconds` from now, in one write
    /// however many runs it drives: a lease lives until the later of its own expiry (set when it
    /// was taken) and its owner's last heartbeat's. Now is the store's clock: for the embedded
    /// store the caller's (`at`), for a server store the server's, so that clock skew between
    /// workers' hosts cannot make two owners.
    func heartbeat(owner: String, ttlMilliseconds: Int64, at: Timestamp) async throws(JournalError)

    /// Lets go of every lease `owner` holds at once: a worker that stops hands its runs over
    /// without making anyone wait out a lease. Its last heartbeat stays on record: it may have
    /// renewed what its runs hold on its host until then, which workers on other hosts wait out
    /// (``HostAffinity``).
    func releaseLeases(owner: String) async throws(JournalError)

    /// Lets go of `lease` (the run is free to take at once); nothing happens if it is stale.
    func releaseLease(_ lease: Lease) async throws(JournalError)

    // MARK: Requests

    /// Records an operator's request to cancel the run `text` names; its driver journals it. It
    /// replaces a decision the run was waiting for.
    func requestCancel(run text: String, reason: String, at: Timestamp) async throws(JournalError) -> RunSummary

    /// Records an operator's decision about run number `runNo`, replacing any request it had;
    /// its driver journals it. See ``requestResolution(run:resolution:note:at:whileIn:)`` for
    /// the checks an operator's command makes first.
    func recordResolution(runNo: Int64, resolution: Resolution, note: String, at: Timestamp) async throws(JournalError)

    /// Run number `runNo`'s operator request, if it has one.
    func operatorRequest(runNo: Int64) async throws(JournalError) -> OperatorRequest?

    /// The numbers of every unfinished run with an operator request.
    func operatorRequests() async throws(JournalError) -> Set<Int64>

    /// Deletes run number `runNo`'s operator request (its event is journaled, or refused).
    func clearOperatorRequest(runNo: Int64) async throws(JournalError)

    // MARK: Queries

    /// The runs `filter` selects, oldest first, at most `limit`.
    func runs(_ filter: RunFilter, limit: Int) async throws(JournalError) -> [RunSummary]

    /// A page of the runs `filter` selects, newest first: at most `limit`, all older than the run
    /// `cursor` names (the last run of the page before), if given.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/unknownRun`` if `cursor` names
    ///   no run.
    func page(_ filter: RunFilter, olderThan cursor: RunID?, limit: Int) async throws(JournalError) -> RunPage

    /// Unfinished runs no live lease holds at `now`, interrupted ones first, at most `limit`;
    /// with `ignoringLeases`, every unfinished run.
    func runnable(at now: Timestamp, limit: Int, ignoringLeases: Bool) async throws(JournalError) -> [RunSummary]

    /// The run whose id is `text`, or the one run whose id starts with it.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/unknownRun`` if none or several
    ///   match.
    func run(matching text: String) async throws(JournalError) -> RunSummary

    /// Every record of `run`, in order.
    func records(of run: RunRef) async throws(JournalError) -> [JournalRecord]

    /// The ids of every unfinished run.
    func unfinishedRunIDs() async throws(JournalError) -> Set<String>

    /// How many records of each kind the journal holds.
    func recordCounts() async throws(JournalError) -> [RecordKind: Int]

    /// The last record's sequence number and hash, or `nil` for an empty journal.
    func head() async throws(JournalError) -> (seq: Int64, hash: [UInt8])?

    /// The hash of the record at `seq`, or `nil` if the journal has none there.
    func recordHash(at seq: Int64) async throws(JournalError) -> [UInt8]?

    // MARK: Audit

    /// Checks the whole journal: the hash chain, every run replayed through its machine, and the
    /// runs projection against the replay.
    func verify(registry: MachineRegistry, maxProblems: Int) async throws(JournalError) -> VerifyReport

    /// Replays every run; the replays by run number.
    func replayAll(registry: MachineRegistry, workers: Int) async throws(JournalError) -> [Int64: RunReplay]

    /// Whether this build can drive every run the journal holds, and why not where it cannot.
    func upgradeCheck(registry: MachineRegistry) async throws(JournalError) -> UpgradeReport

    /// What this process's writer has committed since the store was opened (zeros for a reader).
    var commitStatistics: CommitStatistics { get }

    /// Hints that runs were submitted or cancels requested by others, if the store hears of
    /// them (``WakeUps``); `nil` if it does not, and workers find news by polling alone.
    var wakeUps: WakeUps? { get }

    /// Finishes what is in flight and lets go of the store's resources.
    func close()
}

extension JournalStore {
    /// No hints: news is found by polling.
    public var wakeUps: WakeUps? { nil }

    /// Submits a sandbox job: its name is the run's label, its `idempotencyKey` the run's key.
    public func submit(_ spec: JobSpec, at: Timestamp, id: RunID? = nil) async throws(JournalError) -> SubmitResult {
        try await submit(SandboxJob.self, input: spec, label: spec.name, idempotencyKey: spec.idempotencyKey, at: at, id: id)
    }
}
