import Journal
import RunStateMachine

/// The runtime engine: takes runnable runs from the journal under leases and drives each with a
/// ``RunDriver``, up to a concurrency limit.
///
/// A run is runnable when it is unfinished and no live lease holds it, so runs of a worker that
/// died are taken over once their leases expire, and recovered. The engine returns when its task
/// is cancelled (after the appends in flight finish), or, with ``EngineOptions/untilIdle``, once
/// no run can make progress.
public struct Engine<Executor: EffectExecutor>: Sendable {
    /// The journal.
    public let journal: SQLiteJournal
    /// Performs the effects.
    public let executor: Executor
    /// Time.
    public let clock: any RuntimeClock
    /// Limits and identity.
    public let options: EngineOptions

    /// Creates an engine.
    public init(journal: SQLiteJournal, executor: Executor, clock: any RuntimeClock = SystemClock(), options: EngineOptions) {
        self.journal = journal
        self.executor = executor
        self.clock = clock
        self.options = options
    }

    private enum Completion: Sendable {
        case drove(runNo: Int64, DriveResult)
        case skipped(runNo: Int64)
        case broken(runNo: Int64, reason: String)
        case tick
    }

    /// Takes and drives runs; see the type's documentation for when it returns.
    ///
    /// The loop keeps a queue of candidate runs, refilled from the journal when it runs dry
    /// (at most once per poll once every runnable run has been seen), and starts a task per run
    /// up to the concurrency limit. Each task takes its run's lease itself, so the leases of
    /// many runs share group commits.
    ///
    /// - Throws: ``JournalError`` if the journal fails (the worker should exit and let the next
    ///   start recover).
    public func run() async throws -> EngineSummary {
        let cancelSignals = CancelSignals()
        let driver = RunDriver(
            journal: journal,
            executor: executor,
            clock: clock,
            leaseTTL: options.leaseMilliseconds,
            cancelSignals: cancelSignals
        )
        // Resources whose run is finished or unknown die first; those of unfinished runs are
        // reattached (or compensated) as each run is recovered.
        let swept = await executor.sweepOrphans(in: journal)
        return try await withThrowingTaskGroup(of: Completion.self) { group in
            var summary = EngineSummary()
            summary.swept = swept
            var active: Set<Int64> = []
            // Parked runs, with the record they were parked at and their next wakeup: taken
            // again when something (an operator's decision) is appended, or the wakeup comes.
            var parked: [Int64: (lastSeq: Int64, wakeup: Timestamp?)] = [:]
            var broken: Set<Int64> = []
            var queue: [RunSummary] = []
            var queued = 0
            // Whether the last refill saw every runnable run; if so, the next waits for a tick.
            var exhausted = false
            var cancelRequested: Set<Int64> = []
            func isParked(_ run: RunSummary, at now: Timestamp) -> Bool {
                guard let entry = parked[run.run.number], entry.lastSeq == run.lastSeq else { return false }
                return entry.wakeup.map { $0 > now } ?? true
            }
            func takeable(_ run: RunSummary, at now: Timestamp) -> Bool {
                !active.contains(run.run.number) && !broken.contains(run.run.number) && !isParked(run, at: now)
            }
            func refill() throws {
                let limit = options.concurrency * 2 + parked.count
                let now = clock.now()
                let candidates = try journal.runnable(at: now, limit: limit, ignoringLeases: options.exclusive)
                exhausted = candidates.count < limit
                queue = candidates.filter { takeable($0, at: now) }
                queued = 0
                try lookForCancelRequests()
            }
            // Cancel requests go to the drivers of active runs, and wake parked runs (their
            // drivers journal the cancellation).
            func lookForCancelRequests() throws {
                cancelRequested = try journal.cancelRequested()
                for number in cancelRequested {
                    parked[number] = nil
                    if active.contains(number) {
                        cancelSignals.signal(number)
                    }
                }
            }
            var ticking = false
            while true {
                if Task.isCancelled {
                    group.cancelAll()
                }
                var starved = false
                if !Task.isCancelled {
                    while active.count < options.concurrency {
                        if queued == queue.count {
                            guard !exhausted else {
                                starved = true
                                break
                            }
                            try refill()
                            if queue.isEmpty {
                                starved = true
                                break
                            }
                        }
                        let candidate = queue[queued]
                        queued += 1
                        guard takeable(candidate, at: clock.now()) else { continue }
                        let number = candidate.run.number
                        active.insert(number)
                        parked[number] = nil
                        let checkCancel = cancelRequested.contains(number)
                        let (journal, clock, options) = (journal, clock, options)
                        group.addTask {
                            let lease: Lease
                            do {
                                lease = try await journal.acquireLease(
                                    run: candidate.run.id,
                                    owner: options.owner,
                                    ttlMilliseconds: options.leaseMilliseconds,
                                    at: clock.now(),
                                    takingOver: options.exclusive
                                )
                            } catch let error as JournalError where error.code == .leaseHeld || error.code == .runFinished {
                                return .skipped(runNo: number)
                            }
                            do {
                                return .drove(runNo: number, try await driver.drive(lease, checkCancel: checkCancel))
                            } catch let error as JournalError where [.corrupt, .unknownRevision].contains(error.code) && error.run != nil {
                                // This run's records cannot be loaded (`worker verify` names the
                                // record), or it was created by a newer Runlog: leave it alone and
                                // keep serving the others.
                                try? await journal.releaseLease(lease)
                                return .broken(runNo: number, reason: error.description)
                            }
                        }
                    }
                }
                if active.isEmpty, starved || Task.isCancelled {
                    // Idle: every unfinished run is parked (waits for an operator or a later time).
                    let everyRunParked = try journal.runs(state: "active").allSatisfy {
                        broken.contains($0.run.number) || parked[$0.run.number]?.lastSeq == $0.lastSeq
                    }
                    if Task.isCancelled || (options.untilIdle && everyRunParked) {
                        // Only the poll timer is left; the group would wait for it.
                        group.cancelAll()
                        return summary
                    }
                }
                if !ticking, starved || active.count >= options.concurrency {
                    ticking = true
                    let clock = self.clock
                    let until = clock.now().adding(milliseconds: options.pollMilliseconds)
                    group.addTask {
                        try? await clock.sleep(until: until)
                        return .tick
                    }
                }
                guard let completion = try await group.next() else { continue }
                switch completion {
                case .tick:
                    ticking = false
                    exhausted = false
                    if !active.isEmpty {
                        try lookForCancelRequests()
                    }
                case .skipped(let number):
                    active.remove(number)
                case .broken(let number, let reason):
                    active.remove(number)
                    broken.insert(number)
                    summary.broken.append(reason)
                case .drove(let number, let result):
                    active.remove(number)
                    switch result {
                    case .finished: summary.finished += 1
                    case .parked(_, let wakeup, let lastSeq):
                        summary.parked += 1
                        parked[number] = (lastSeq, wakeup)
                    case .lostLease: summary.lost += 1
                    case .stopped: summary.stopped += 1
                    }
                }
            }
        }
    }
}
