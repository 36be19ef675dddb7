import Journal
import Logging
import RunStateMachine

/// The runtime engine: claims runnable runs from the journal (leased to it in one write) and
/// drives each with a ``RunDriver``, up to a concurrency limit.
///
/// A run is runnable when it is unfinished and no live lease holds it, so runs of a worker that
/// died are taken over once their leases expire, and recovered. The engine returns when its task
/// is cancelled (after the appends in flight finish), or, with ``EngineOptions/untilIdle``, once
/// no run can make progress.
///
/// Its decisions are an ``EngineMachine``'s; this type performs them.
public struct Engine<Executor: EffectExecutor>: Sendable {
    /// The journal.
    public let journal: any JournalStore
    /// Performs the effects.
    public let executor: Executor
    /// Time.
    public let clock: any RuntimeClock
    /// Limits and identity.
    public let options: EngineOptions
    /// Where broken, halted and parked runs, takeovers, lost leases, machine defects and executor
    /// failures are told, each with its run's id.
    public let logger: Logger

    /// Creates an engine.
    public init(
        journal: any JournalStore,
        executor: Executor,
        clock: any RuntimeClock = SystemClock(),
        options: EngineOptions,
        logger: Logger = Logger(label: "runlog.engine")
    ) {
        self.journal = journal
        self.executor = executor
        self.clock = clock
        self.options = options
        self.logger = logger
    }

    private typealias Input = EngineMachine.Input

    /// Takes and drives runs; see the type's documentation for when it returns.
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
            host: options.host,
            cancelSignals: cancelSignals,
            logger: logger
        )
        // Resources whose run is finished or unknown die first; those of unfinished runs are
        // reattached (or compensated) as each run is recovered.
        let swept = await executor.sweepOrphans(in: journal)
        if options.exclusive {
            // No other worker can take this one's runs while it lives.
            await executor.leasesHeld(until: nil)
        }
        var engine = EngineMachine(options: options, swept: swept)
        return try await withThrowingTaskGroup(of: Input.self) { group in
            var actions = engine.start(now: clock.now())
            // What a driver task or the poll timer returned, handled only after the check for
            // shutdown: a result that comes in as the task is cancelled must not let the machine
            // take that run again before it has heard of the shutdown.
            var completion: Input?
            while true {
                var reply: Input?
                for action in actions {
                    switch action {
                    case .claim(let request):
                        group.addTask { [journal, logger] in
                            do {
                                return .claimed(try await journal.claim(request))
                            } catch let error as JournalError where error.code == .unavailable {
                                logger.warning("runs cannot be claimed; trying again after a poll: \(error)")
                                return .claimFailed(error.description)
                            }
                        }
                    case .loadCancelRequests:
                        reply = try await load { .cancelRequests(try await journal.operatorRequests()) }
                    case .loadLeaseHorizon(let at):
                        reply = try await load { .leaseHorizon(try await journal.millisecondsUntilNextLeaseRunsOut(otherThan: options.owner, host: options.host, at: at)) }
                    case .loadUnfinished:
                        reply = try await load { .unfinished(try await journal.runs(.unfinished, limit: 10_000)) }
                    case .drive(let lease, let checkCancel):
                        group.addTask { try await drive(lease, checkCancel: checkCancel, with: driver) }
                    case .release(let lease):
                        try? await journal.releaseLease(lease)
                    case .signalCancel(let number):
                        cancelSignals.signal(number)
                    case .awaitWakeUp:
                        if let wakeUps = journal.wakeUps, !wakeUps.isClosed {
                            group.addTask {
                                await wakeUps.next()
                                return .wakeUp
                            }
                        }
                    case .armPoll(let at):
                        group.addTask { [clock] in
                            try? await clock.sleep(until: at)
                            return .pollDue
                        }
                    case .heartbeat(let at):
                        group.addTask { [journal, executor, options] in
                            do {
                                try await journal.heartbeat(owner: options.owner, ttlMilliseconds: options.leaseMilliseconds, at: at)
                                if !options.exclusive {
                                    // Written after `at`: every lease of this worker lives at least this long.
                                    await executor.leasesHeld(until: at.adding(milliseconds: options.leaseMilliseconds))
                                }
                                return .heartbeatDone(failure: nil)
                            } catch {
                                return .heartbeatDone(failure: "\(error)")
                            }
                        }
                    case .armHeartbeat(let at):
                        group.addTask { [clock] in
                            try? await clock.sleep(until: at)
                            return .heartbeatDue
                        }
                    case .stopDrivers:
                        group.cancelAll()
                    case .finish(let summary):
                        group.cancelAll()
                        // Whatever the drivers left (a stop mid-step), the next owner takes at once.
                        try? await journal.releaseLeases(owner: options.owner)
                        return summary
                    }
                }
                if let reply {
                    actions = engine.handle(reply, now: clock.now())
                } else if Task.isCancelled, !engine.stopping {
                    actions = engine.handle(.shutdown, now: clock.now())
                } else if let next = completion {
                    completion = nil
                    report(next)
                    actions = engine.handle(next, now: clock.now())
                } else {
                    completion = try await group.next() ?? .shutdown
                    actions = []
                }
            }
        }
    }

    /// Reads what `read` reads; a store that cannot be reached is the machine's to handle
    /// (``EngineMachine/Input/loadFailed(_:)``), any other failure the worker's.
    private func load(_ read: () async throws -> Input) async throws -> Input {
        do {
            return try await read()
        } catch let error as JournalError where error.code == .unavailable {
            logger.warning("the journal cannot be read; trying again after a poll: \(error)")
            return .loadFailed(error.description)
        }
    }

    /// Drives the run under its lease.
    ///
    /// - Throws: ``JournalError`` if the journal fails, other than by being out of reach (the
    ///   run is then taken again later: ``DriveResult/interrupted(reason:)``).
    private func drive(_ lease: Lease, checkCancel: Bool, with driver: RunDriver<Executor>) async throws -> Input {
        let run = lease.run
        do {
            return .drove(run, try await driver.drive(lease, checkCancel: checkCancel))
        } catch let error as JournalError where error.code == .unavailable {
            return .drove(run, .interrupted(reason: error.description))
        } catch let error as JournalError where [.corrupt, .unknownRevision].contains(error.code) && error.run != nil {
            // This run's records cannot be loaded (`worker verify` names the record), or it was
            // created by a newer Runlog: leave it alone and keep serving the others.
            try? await journal.releaseLease(lease)
            return .broken(run, reason: error.description)
        }
    }

    private func report(_ input: Input) {
        switch input {
        case .broken(let run, let reason):
            logger.error("run left alone: \(reason)", metadata: ["run": "\(run.id)"])
        case .drove(let run, .halted(let state, _, let reason)):
            logger.error("run halted in '\(state)': \(reason)", metadata: ["run": "\(run.id)"])
        case .drove(let run, .parked(let state, let wakeup, _)):
            logger.info("run parked in '\(state)'\(wakeup.map { " until \($0)" } ?? " for an operator")", metadata: ["run": "\(run.id)"])
        case .drove(let run, .lostLease):
            logger.warning("run lost to another owner", metadata: ["run": "\(run.id)"])
        case .drove(let run, .interrupted(let reason)):
            logger.warning("run interrupted, the journal cannot be reached; taking it again after a poll: \(reason)", metadata: ["run": "\(run.id)"])
        case .heartbeatDone(let failure?):
            logger.warning("the heartbeat failed; the worker's leases run out \(options.leaseMilliseconds) ms after the last one unless the next succeeds: \(failure)")
        default:
            break
        }
    }
}
