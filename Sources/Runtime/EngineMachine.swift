import Journal
import RunStateMachine

/// The decisions of the engine, as a value: which runs to take, when to look for more, when to
/// look for cancel requests, when it is idle, when to beat its heart. It takes inputs
/// (runs claimed, a run's driver returned, the poll timer fired, a heartbeat due or done,
/// shutdown) and returns actions (claim runs, drive a run, signal a driver, arm the poll timer,
/// beat, finish).
///
/// The worker's **heartbeat** keeps every lease it holds alive with one write, a third of a
/// lease's time apart (sooner after a failed one): drivers do not renew their runs' leases. It
/// performs no I/O and reads no clock: time comes with each input. ``Engine`` performs the
/// actions and feeds their results back.
///
/// The engine claims as many runs as it has free driver slots (``JournalStore/claim(_:)``: the
/// store leases them to it in one write, and workers sharing a store each get runs of their
/// own), and drives each. Once a claim comes back short, every runnable run has been taken, and
/// the next claim waits for a poll or a hint from the store. A run parked (for an operator, or
/// until a time) is not claimed again until something is appended to it or its wakeup comes.
///
/// A claim is made in the background (``Action/claim(_:)``; its reply, ``Input/claimed(_:)`` or
/// ``Input/claimFailed(_:)``, comes as a driver's result does), one at a time: the drivers that
/// return while it commits free the slots the next claim fills, so claims grow with the load
/// instead of following each finished run. When a claim comes back short on a shared store, the
/// engine asks when the first lease of another worker runs out, and polls then too: a dead
/// worker's runs are taken as soon as they are free, not up to a poll later.
///
/// Three actions are answered before anything else: ``Action/loadCancelRequests``
/// (``Input/cancelRequests(_:)``), ``Action/loadUnfinished`` (``Input/unfinished(_:)``) and
/// ``Action/loadLeaseHorizon(at:)`` (``Input/leaseHorizon(_:)``). Such an action is always the
/// last of its list, and the next input must be its reply.
struct EngineMachine: Sendable {
    /// What happened, fed to ``handle(_:now:)``.
    enum Input: Hashable, Sendable {
        /// The answer to ``Action/claim(_:)``: the runs claimed.
        case claimed([ClaimedRun])
        /// The claim asked for failed: the store cannot be reached (whether it committed is
        /// unknown: a claim that did leaves runs leased to this worker, which its next claim
        /// takes again). The engine claims again after a poll.
        case claimFailed(String)
        /// The answer to ``Action/loadCancelRequests``: the numbers of runs with an operator
        /// request (a cancel, or a decision about a parked run).
        case cancelRequests(Set<Int64>)
        /// The answer to ``Action/loadUnfinished``: every unfinished run.
        case unfinished([RunSummary])
        /// The answer to ``Action/loadLeaseHorizon(at:)``: milliseconds until the first lease of
        /// another worker runs out, if one holds any.
        case leaseHorizon(Int64?)
        /// A run's driver returned.
        case drove(RunRef, DriveResult)
        /// The run's journal cannot be loaded (corrupt, or of a revision this build lacks).
        case broken(RunRef, reason: String)
        /// The poll timer armed with ``Action/armPoll(at:)`` fired.
        case pollDue
        /// The load asked for (cancel requests, unfinished runs) failed: the store cannot be
        /// reached. The engine tries again after a poll.
        case loadFailed(String)
        /// The store hinted at news (a run submitted, a cancel requested), as waited for with
        /// ``Action/awaitWakeUp``: look now, as at a poll.
        case wakeUp
        /// The heartbeat timer armed with ``Action/armHeartbeat(at:)`` fired.
        case heartbeatDue
        /// The heartbeat asked for was written, or failed for `failure`.
        case heartbeatDone(failure: String?)
        /// The engine's task is cancelled: stop drivers, take no more runs, return.
        case shutdown
    }

    /// What to do, returned by ``start(now:)`` and ``handle(_:now:)``.
    enum Action: Hashable, Sendable {
        /// Claim runnable runs in the background; the result comes back as ``Input/claimed(_:)``
        /// or ``Input/claimFailed(_:)``.
        case claim(ClaimRequest)
        /// Read which runs have operator requests; reply ``Input/cancelRequests(_:)``.
        case loadCancelRequests
        /// Read every unfinished run; reply ``Input/unfinished(_:)``.
        case loadUnfinished
        /// Read when the first lease of another worker runs out; reply ``Input/leaseHorizon(_:)``.
        case loadLeaseHorizon(at: Timestamp)
        /// Drive the claimed run; the result comes back as ``Input/drove(_:_:)`` or
        /// ``Input/broken(_:reason:)``.
        case drive(Lease, checkCancel: Bool)
        /// Let the lease go: a claim returned a run this engine does not take now.
        case release(Lease)
        /// Tell the driver of run number `runNo` it has an operator request.
        case signalCancel(runNo: Int64)
        /// Feed ``Input/pollDue`` at this instant.
        case armPoll(at: Timestamp)
        /// Feed ``Input/wakeUp`` at the store's next hint, if it gives hints (``WakeUps``).
        case awaitWakeUp
        /// Keep every lease of this worker alive for a lease's time from the instant, in the
        /// background; the result comes back as ``Input/heartbeatDone(failure:)``.
        case heartbeat(at: Timestamp)
        /// Feed ``Input/heartbeatDue`` at this instant.
        case armHeartbeat(at: Timestamp)
        /// Cancel every driver (they leave their runs to the next owner).
        case stopDrivers
        /// Return `summary`.
        case finish(EngineSummary)
    }

    /// A parked run: taken again once a record follows `lastSeq` or `wakeup` comes.
    private struct Parked: Hashable, Sendable {
        var lastSeq: Int64
        var wakeup: Timestamp?
    }

    private enum Phase: Hashable, Sendable {
        /// Waiting for cancel requests, read on a poll.
        case pollingCancels
        /// Waiting for when the first lease of another worker runs out.
        case readingHorizon
        /// Waiting for the unfinished runs, to decide whether the engine is idle.
        case checkingIdle(starved: Bool)
        /// Waiting for drivers and the poll timer.
        case waiting
        case finished
    }

    /// Limits and identity.
    let options: EngineOptions
    /// What the engine did so far.
    private(set) var summary = EngineSummary()

    private var phase = Phase.waiting
    /// Runs whose drivers are running.
    private(set) var active: Set<Int64> = []
    private var parked: [Int64: Parked] = [:]
    /// Runs left alone: their journals cannot be loaded.
    private var broken: Set<Int64> = []
    /// How long after another worker's lease runs out, by the store's clock, the engine claims.
    static let horizonMargin: Int64 = 20

    /// The limit of the claim in flight, if one is.
    private var claiming: Int?
    /// Whether the last claim took every runnable run (or failed); if so, the next waits for a
    /// poll or a hint.
    private var exhausted = false
    private var cancelRequested: Set<Int64> = []
    /// Runs whose drivers stopped because the store could not be reached: claims leave them out
    /// until the next poll, then take them like any other run (again under this worker's lease,
    /// at a new epoch, or not at all if another worker has taken them meanwhile, and only as
    /// their host affinity allows).
    private var interrupted: Set<Int64> = []
    private var polling = false
    /// When the armed poll timer fires, if one is armed.
    private var pollAt: Timestamp?
    private var jitter: PollJitter
    private(set) var stopping = false

    /// An engine machine with these options; `swept` is what the orphan sweep ended.
    init(options: EngineOptions, swept: [String] = []) {
        self.options = options
        self.jitter = PollJitter(owner: options.owner)
        summary.swept = swept
    }

    /// The first actions.
    mutating func start(now: Timestamp) -> [Action] {
        var actions: [Action] = [.heartbeat(at: now), .awaitWakeUp]
        fill(now: now, into: &actions)
        return actions
    }

    /// Takes `input`, which happened at `now`, and returns what to do.
    mutating func handle(_ input: Input, now: Timestamp) -> [Action] {
        var actions: [Action] = []
        switch (phase, input) {
        case (.finished, _):
            return []
        case (.pollingCancels, .loadFailed), (.checkingIdle, .loadFailed), (.readingHorizon, .loadFailed):
            phase = .waiting
            exhausted = false
            armPoll(starved: true, now: now, into: &actions)
        case (_, .heartbeatDue):
            // The heartbeat goes on while the engine stops: its drivers still hold leases.
            actions.append(.heartbeat(at: now))
        case (_, .heartbeatDone(let failure)):
            let interval = max(1, options.leaseMilliseconds / (failure == nil ? 3 : 6))
            actions.append(.armHeartbeat(at: now.adding(milliseconds: interval)))
        case (.waiting, .claimed(let runs)):
            exhausted = runs.count < (claiming ?? 0)
            claiming = nil
            // A stopping engine drives nothing more; its leases are let go as it finishes.
            guard !stopping else {
                fill(now: now, into: &actions)
                break
            }
            drive(runs, into: &actions)
            if exhausted, !options.exclusive {
                phase = .readingHorizon
                actions.append(.loadLeaseHorizon(at: now))
            } else {
                fill(now: now, into: &actions)
            }
        case (.readingHorizon, .leaseHorizon(let milliseconds)):
            phase = .waiting
            if let milliseconds {
                // A little after the lease runs out by the store's clock: it is free then.
                let wake = now.adding(milliseconds: max(0, milliseconds).addingSaturated(Self.horizonMargin))
                if pollAt.map({ wake < $0 }) ?? true {
                    polling = true
                    pollAt = wake
                    actions.append(.armPoll(at: wake))
                }
            }
            fill(now: now, into: &actions)
        case (.waiting, .claimFailed):
            claiming = nil
            exhausted = true
            fill(now: now, into: &actions)
        case (.pollingCancels, .cancelRequests(let requests)):
            take(requests, into: &actions)
            fill(now: now, into: &actions)
        case (.checkingIdle(let starved), .unfinished(let runs)):
            let everyRunParked = runs.allSatisfy { broken.contains($0.run.number) || parked[$0.run.number]?.lastSeq == $0.lastSeq }
            if options.untilIdle, everyRunParked {
                // Only the poll timer is left.
                actions.append(.stopDrivers)
                finish(into: &actions)
            } else {
                armPoll(starved: starved, now: now, into: &actions)
            }
        case (.waiting, .shutdown):
            stopping = true
            actions.append(.stopDrivers)
            fill(now: now, into: &actions)
        case (.waiting, .pollDue):
            polling = false
            pollAt = nil
            exhausted = false
            interrupted = []
            if !active.isEmpty, !stopping {
                phase = .pollingCancels
                actions.append(.loadCancelRequests)
            } else {
                fill(now: now, into: &actions)
            }
        case (.waiting, .wakeUp):
            // A poll come early: the poll timer stays armed, as the fallback for lost hints.
            guard !stopping else { break }
            actions.append(.awaitWakeUp)
            exhausted = false
            if !active.isEmpty {
                phase = .pollingCancels
                actions.append(.loadCancelRequests)
            } else {
                fill(now: now, into: &actions)
            }
        case (.waiting, .broken(let run, let reason)):
            active.remove(run.number)
            broken.insert(run.number)
            summary.broken.append(reason)
            fill(now: now, into: &actions)
        case (.waiting, .drove(let run, let result)):
            let number = run.number
            active.remove(number)
            switch result {
            case .finished:
                summary.finished += 1
            case .parked(_, let wakeup, let lastSeq):
                summary.parked += 1
                parked[number] = Parked(lastSeq: lastSeq, wakeup: wakeup)
            case .halted(_, let lastSeq, let reason):
                summary.halted.append(reason)
                parked[number] = Parked(lastSeq: lastSeq, wakeup: nil)
            case .lostLease:
                summary.lost += 1
            case .stopped:
                summary.stopped += 1
            case .interrupted:
                summary.interrupted += 1
                interrupted.insert(number)
                armPoll(starved: true, now: now, into: &actions)
            }
            fill(now: now, into: &actions)
        case (_, .claimed), (_, .claimFailed), (_, .cancelRequests), (_, .unfinished), (_, .leaseHorizon), (_, .drove), (_, .broken),
            (_, .pollDue), (_, .wakeUp), (_, .loadFailed), (_, .shutdown):
            // The interpreter broke the contract (a reply without its question, or an input
            // while a reply is awaited). Stop: the journal holds everything the next start needs.
            assertionFailure("input \(input) in phase \(phase)")
            stopping = true
            actions.append(.stopDrivers)
            finish(into: &actions)
        }
        return actions
    }

    /// What the next claim asks for: as many runs as there are free slots, none this engine
    /// drives, left alone, or saw interrupted since the last poll, and no parked run whose wakeup
    /// has not come while nothing follows its last record.
    private func claimRequest(limit: Int, at now: Timestamp) -> ClaimRequest {
        var unchanged: [Int64: Int64] = [:]
        for (number, entry) in parked where entry.wakeup.map({ $0 > now }) ?? true {
            unchanged[number] = entry.lastSeq
        }
        return ClaimRequest(
            owner: options.owner,
            host: options.host,
            ttlMilliseconds: options.leaseMilliseconds,
            limit: limit,
            at: now,
            takingOver: options.exclusive,
            excluding: active.union(broken).union(interrupted),
            unchangedSince: unchanged
        )
    }

    /// Operator requests (cancels, decisions) go to the drivers of active runs, and wake parked
    /// runs (their drivers journal the request).
    private mutating func take(_ requests: Set<Int64>, into actions: inout [Action]) {
        cancelRequested = requests
        for number in requests.sorted() {
            parked[number] = nil
            if active.contains(number) {
                actions.append(.signalCancel(runNo: number))
            }
        }
    }

    /// Starts drivers for claimed runs, each checking its cancel request if it had one when
    /// claimed or the last read showed one.
    private mutating func drive(_ runs: [ClaimedRun], into actions: inout [Action]) {
        for run in runs {
            let number = run.lease.run.number
            // The claim left these out, and was for free slots; a store that returns one
            // anyway gets its lease back.
            guard active.count < options.concurrency, !active.contains(number), !broken.contains(number), !interrupted.contains(number) else {
                actions.append(.release(run.lease))
                continue
            }
            active.insert(number)
            parked[number] = nil
            actions.append(.drive(run.lease, checkCancel: run.cancelRequested || cancelRequested.contains(number)))
        }
    }

    /// Starts drivers up to the concurrency limit: a claim for the free slots unless the last
    /// one took every runnable run.
    private mutating func fill(now: Timestamp, into actions: inout [Action]) {
        guard !stopping else {
            settle(starved: false, now: now, into: &actions)
            return
        }
        if active.count < options.concurrency, claiming == nil {
            guard !exhausted else {
                settle(starved: true, now: now, into: &actions)
                return
            }
            let limit = options.concurrency - active.count
            claiming = limit
            actions.append(.claim(claimRequest(limit: limit, at: now)))
        }
        settle(starved: false, now: now, into: &actions)
    }

    /// After filling: return if idle or stopped (once no claim is in flight), else arm the poll
    /// timer when needed and wait.
    private mutating func settle(starved: Bool, now: Timestamp, into actions: inout [Action]) {
        if active.isEmpty, claiming == nil, starved || stopping {
            if stopping {
                finish(into: &actions)
                return
            }
            // Idle if every unfinished run is parked (waits for an operator or a later time).
            phase = .checkingIdle(starved: starved)
            actions.append(.loadUnfinished)
            return
        }
        armPoll(starved: starved, now: now, into: &actions)
    }

    private mutating func armPoll(starved: Bool, now: Timestamp, into actions: inout [Action]) {
        if !polling, starved || active.count >= options.concurrency {
            polling = true
            let interval = options.pollMilliseconds.addingSaturated(jitter.next(upTo: options.pollJitterMilliseconds))
            pollAt = now.adding(milliseconds: interval)
            actions.append(.armPoll(at: now.adding(milliseconds: interval)))
        }
        phase = .waiting
    }

    private mutating func finish(into actions: inout [Action]) {
        phase = .finished
        actions.append(.finish(summary))
    }
}
