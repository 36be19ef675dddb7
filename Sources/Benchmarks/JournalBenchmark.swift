import Effects
import Journal
import RunStateMachine
import Runtime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the journal against raw SQLite on the same file system, in one run.
///
/// Appends are real sandbox-job transitions: each driver submits and leases 3-step shell runs
/// (setup, not timed), then appends their seven transitions (start, sandbox created, three
/// steps, sandbox released, status reported) with successful outcomes.
///
/// Two figures per concurrency: *appends* time the journal alone (the transitions are computed
/// and encoded before the timed phase; only the link to the run's previous record is filled in
/// at append time, as it is known only then), and *transitions* time a driver's whole step
/// (checked transition, encoding and append) on the caller's task, as a worker does it.
public enum JournalBenchmark {
    /// How much work to do.
    public struct Options: Sendable {
        /// Runs driven one after another by the single appender.
        public var runsC1 = 300
        /// Runs per appender at concurrency 256.
        public var runsPerAppenderC256 = 12
        /// Rows inserted for the raw figure, in 1,000-row transactions.
        public var rawRows = 200_000
        /// One-row commits timed for the raw commit figure.
        public var rawCommits = 500
        /// Passes of chain verification and of replay over the same journal; the best counts,
        /// so a burst of load from elsewhere on the machine does not decide the figure.
        public var passes = 3

        /// Default sizes (a few seconds in all on this machine kind).
        public init() {}
    }

    /// Runs the benchmark in `directory` (which must exist; files are created and removed).
    public static func run(in directory: String, options: Options = Options()) async throws -> JournalBenchmarkResult {
        var result = JournalBenchmarkResult()
        let path = directory + "/bench-journal.sqlite"
        SQLiteJournal.removeFiles(at: path)
        defer { SQLiteJournal.removeFiles(at: path) }
        let journal = try SQLiteJournal.open(path: path)
        defer { journal.close() }

        let c1 = try await appendPhase(journal, appenders: 1, runsPerAppender: options.runsC1, prebuilt: true)
        result.appendsPerSecondC1 = c1.perSecond
        result.appendP50MillisecondsC1 = c1.p50
        let c256 = try await appendPhase(journal, appenders: 256, runsPerAppender: options.runsPerAppenderC256, prebuilt: true)
        result.appendsPerSecondC256 = c256.perSecond
        result.appendP50MillisecondsC256 = c256.p50
        result.meanBatchC256 = Double(c256.writer.operations) / Double(max(1, c256.writer.commits))
        result.writerBusyC256 = c256.writer.busy.seconds / c256.elapsed
        let t1 = try await appendPhase(journal, appenders: 1, runsPerAppender: options.runsC1, prebuilt: false)
        result.transitionsPerSecondC1 = t1.perSecond
        let t256 = try await appendPhase(journal, appenders: 256, runsPerAppender: options.runsPerAppenderC256, prebuilt: false)
        result.transitionsPerSecondC256 = t256.perSecond

        let (records, bytes) = try journal.read { connection throws(SQLiteError) in
            let query = try connection.prepare(
                """
                SELECT count(*), sum(length(event) + coalesce(length(state), 0) + coalesce(length(intents), 0)
                    + coalesce(length(abandons), 0) + coalesce(length(answers), 0) + 64 + 48)
                FROM journal
                """
            )
            _ = try query.step()
            return (query.int(0), query.int(1))
        }
        result.records = records
        result.meanRecordBytes = bytes / max(1, records)

        let clock = ContinuousClock()
        var chainTime = Double.infinity
        var replayTime = Double.infinity
        var upgradeCheckTime = Double.infinity
        for _ in 0..<max(1, options.passes) {
            let chainStart = clock.now
            let chain = try journal.verifyChain()
            chainTime = min(chainTime, (clock.now - chainStart).seconds)
            guard chain.problems.isEmpty, chain.records == records else {
                throw JournalError(.corrupt, "the benchmark journal does not verify: \(chain.problems)")
            }
            let replayStart = clock.now
            let replays = try journal.replayAll()
            replayTime = min(replayTime, (clock.now - replayStart).seconds)
            guard replays.values.allSatisfy({ $0.divergence == nil }) else {
                throw JournalError(.corrupt, "the benchmark journal does not replay")
            }
            let checkStart = clock.now
            let check = try journal.upgradeCheck()
            upgradeCheckTime = min(upgradeCheckTime, (clock.now - checkStart).seconds)
            guard check.ok, check.records == records else {
                throw JournalError(.corrupt, "this build cannot take over the benchmark journal: \(check.blocked)")
            }
        }
        result.chainVerifyRecordsPerSecond = Double(records) / chainTime
        result.replayRecordsPerSecond = Double(records) / replayTime
        result.upgradeCheckRecordsPerSecond = Double(records) / upgradeCheckTime

        let raw = try RawSQLite.measure(
            path: directory + "/bench-raw.sqlite",
            rowBytes: result.meanRecordBytes,
            rows: options.rawRows,
            commits: options.rawCommits
        )
        result.rawRowsPerSecond = raw.rowsPerSecond
        result.rawCommitP50Milliseconds = raw.commitP50
        return result
    }

    /// Submits and leases `runsPerAppender` runs per appender (untimed), then times the
    /// appenders driving them to the end concurrently: appending transitions computed before the
    /// timed phase (`prebuilt`), or computing each one on the appender's task.
    private static func appendPhase(
        _ journal: SQLiteJournal,
        appenders: Int,
        runsPerAppender: Int,
        prebuilt: Bool
    ) async throws -> (perSecond: Double, p50: Double, elapsed: Double, writer: CommitStatistics) {
        let spec = JobSpec(kind: .shell, name: "bench", steps: (1...3).map { StepSpec(name: "step-\($0)", run: "true", timeoutSeconds: 60) })
        let at = Timestamp(milliseconds: 1_800_000_000_000)
        let runs = try await withThrowingTaskGroup(of: [JournaledRun<SandboxJob>].self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    var runs: [JournaledRun<SandboxJob>] = []
                    for _ in 0..<runsPerAppender {
                        let submitted = try await journal.submit(spec, at: at)
                        let lease = try await journal.acquireLease(run: submitted.run.id, owner: "bench-\(appender)", ttlMilliseconds: 600_000, at: at)
                        runs.append(try await JournaledRun<SandboxJob>.load(lease, from: journal))
                    }
                    return runs
                }
            }
            var all: [[JournaledRun<SandboxJob>]] = []
            for try await runs in group { all.append(runs) }
            return all
        }
        let work: [[Work]] = try runs.map { appenderRuns in
            try appenderRuns.map { run in prebuilt ? .requests(try requests(for: run, at: at), start: run.lastSeq) : .run(run) }
        }
        let clock = ContinuousClock()
        let before = journal.commitStatistics
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for appenderWork in work {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(appenderWork.count * 7)
                    for item in appenderWork {
                        switch item {
                        case .requests(let requests, let start):
                            var previous = start
                            for var request in requests {
                                request.previousSeq = previous
                                let began = clock.now
                                previous = try await journal.append(request).seq
                                latencies.append((clock.now - began).seconds * 1000)
                            }
                        case .run(var run):
                            while let event = successfulOutcome(for: run, at: at) {
                                let began = clock.now
                                try await run.apply(event, at: at)
                                latencies.append((clock.now - began).seconds * 1000)
                            }
                        }
                    }
                    return latencies
                }
            }
            var all: [Double] = []
            for try await latencies in group { all += latencies }
            return all
        }
        let elapsed = (clock.now - start).seconds
        let after = journal.commitStatistics
        let writer = after.since(before)
        let sorted = latencies.sorted()
        return (Double(latencies.count) / elapsed, sorted.isEmpty ? 0 : sorted[sorted.count / 2], elapsed, writer)
    }

    /// A run's remaining work: pre-built appends, or the run to drive.
    private enum Work: Sendable {
        case requests([AppendRequest], start: Int64)
        case run(JournaledRun<SandboxJob>)
    }

    /// The appends that drive `run` to its end with successful outcomes, computed without the
    /// journal (the link to the previous record is filled in when appending).
    private static func requests(for run: JournaledRun<SandboxJob>, at: Timestamp) throws -> [AppendRequest] {
        var state = run.state
        var seq = run.lastRunSeq
        var requests: [AppendRequest] = []
        while let event = successfulOutcome(for: run, state: state, at: at) {
            seq += 1
            let transition = try run.machine.checkedTransition(from: state, on: event, seq: seq)
            requests.append(AppendRequest(machine: run.machine, run: run.lease.run, runSeq: seq, previousSeq: 0, epoch: run.lease.epoch, at: at, event: event, transition: transition))
            state = transition.state
        }
        return requests
    }

    /// The event a run would get next if every effect succeeded, or `nil` once it is terminal.
    public static func successfulOutcome(for run: JournaledRun<SandboxJob>, state: SandboxJobState? = nil, at: Timestamp) -> SandboxJobEvent? {
        let state = state ?? run.state
        let intent = run.machine.awaited(in: state).first
        switch state {
        case .queued: return .start
        case .provisioning: return intent.map { .sandboxCreated(intent: $0, sandbox: SandboxID("sbx-\(run.lease.run.number)")) }
        case .running: return intent.map { .stepFinished(intent: $0, result: StepResult(exit: .exited(code: 0)), at: at) }
        case .collecting: return intent.map { .collected(intent: $0, artifacts: []) }
        case .tearingDown, .compensating: return intent.map { .sandboxReleased(intent: $0) }
        case .reporting: return intent.map { .statusReported(intent: $0) }
        default: return nil
        }
    }
}
