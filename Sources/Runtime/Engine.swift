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
        case drove(runNo: Int64, lastSeq: Int64?, DriveResult)
        case broken(runNo: Int64, reason: String)
        case tick
    }

    /// Takes and drives runs; see the type's documentation for when it returns.
    ///
    /// - Throws: ``JournalError`` if the journal fails (the worker should exit and let the next
    ///   start recover).
    public func run() async throws -> EngineSummary {
        let driver = RunDriver(
            journal: journal,
            executor: executor,
            clock: clock,
            leaseTTL: options.leaseMilliseconds,
            cancelPoll: options.pollMilliseconds
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
            var parked: [Int64: (lastSeq: Int64?, wakeup: Timestamp?)] = [:]
            var broken: Set<Int64> = []
            func isParked(_ run: RunSummary, at now: Timestamp) -> Bool {
                guard let entry = parked[run.run.number], entry.lastSeq == run.lastSeq else { return false }
                return entry.wakeup.map { $0 > now } ?? true
            }
            var ticking = false
            while true {
                if Task.isCancelled {
                    group.cancelAll()
                }
                var runnableCount = 0
                if !parked.isEmpty {
                    // A cancel request wakes a parked run: its driver journals the cancellation.
                    for number in try journal.cancelRequested() {
                        parked[number] = nil
                    }
                }
                if !Task.isCancelled, active.count < options.concurrency {
                    let candidates = try journal.runnable(at: clock.now(), limit: options.concurrency * 2 + parked.count)
                    let now = clock.now()
                    for summary in candidates where !active.contains(summary.run.number) && !broken.contains(summary.run.number) {
                        if isParked(summary, at: now) { continue }
                        runnableCount += 1
                        guard active.count < options.concurrency else { break }
                        let lease: Lease
                        do {
                            lease = try await journal.acquireLease(
                                run: summary.run.id,
                                owner: options.owner,
                                ttlMilliseconds: options.leaseMilliseconds,
                                at: clock.now()
                            )
                        } catch let error as JournalError where error.code == .leaseHeld || error.code == .runFinished {
                            continue
                        }
                        active.insert(summary.run.number)
                        parked[summary.run.number] = nil
                        let number = summary.run.number
                        group.addTask {
                            do {
                                let result = try await driver.drive(lease)
                                let lastSeq = try? journal.run(matching: lease.run.id.value).lastSeq
                                return .drove(runNo: number, lastSeq: lastSeq, result)
                            } catch let error as JournalError where error.code == .corrupt && error.run != nil {
                                // This run's records cannot be loaded: leave it for an operator
                                // (`worker verify` names the record) and keep serving the others.
                                try? await journal.releaseLease(lease)
                                return .broken(runNo: number, reason: error.description)
                            }
                        }
                    }
                }
                if active.isEmpty {
                    // Idle: every unfinished run is parked (waits for an operator or a later time).
                    let everyRunParked = try journal.runs(state: "active").allSatisfy {
                        broken.contains($0.run.number) || parked[$0.run.number]?.lastSeq == $0.lastSeq
                    }
                    if Task.isCancelled || (options.untilIdle && everyRunParked) {
                        return summary
                    }
                }
                if !ticking, runnableCount == 0 || active.count >= options.concurrency || active.isEmpty {
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
                case .broken(let number, let reason):
                    active.remove(number)
                    broken.insert(number)
                    summary.broken.append(reason)
                case .drove(let number, let lastSeq, let result):
                    active.remove(number)
                    switch result {
                    case .finished: summary.finished += 1
                    case .parked(_, let wakeup):
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
