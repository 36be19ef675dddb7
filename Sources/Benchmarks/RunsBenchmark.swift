import Effects
import Journal
import RunStateMachine
import Runtime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the engine driving durable runs whose effects cost nothing: 3-step ``SandboxJob``
/// runs through the real executor with an ``InstantSandboxProvider``.
///
/// Every transition is journaled and durable before its effects fire, exactly as with real
/// sandboxes, so the figures are the runtime's own ceiling: leasing, loading, the checked
/// transitions, the group-committed appends and the effect dispatch.
public enum RunsBenchmark {
    /// How much work to do.
    public struct Options: Sendable {
        /// Runs driven by a worker with concurrency 1.
        public var runsC1 = 300
        /// Runs driven by a worker with concurrency 256.
        public var runsC256 = 10_000
        /// Steps per run.
        public var steps = 3

        /// Default sizes (a few seconds in all on this machine kind).
        public init() {}
    }

    /// Runs the benchmark in `directory` (which must exist; files are created and removed).
    public static func run(in directory: String, options: Options = Options()) async throws -> RunsBenchmarkResult {
        try await run(on: .sqlite(directory: directory), options: options)
    }

    /// Runs the benchmark on scratch journals of `store`.
    public static func run(on store: BenchStore, options: Options = Options()) async throws -> RunsBenchmarkResult {
        var result = RunsBenchmarkResult()
        let c1 = try await phase(on: store, runs: options.runsC1, concurrency: 1, steps: options.steps)
        result.runsPerSecondC1 = c1.runsPerSecond
        result.transitionsPerSecondC1 = c1.transitionsPerSecond
        let c256 = try await phase(on: store, runs: options.runsC256, concurrency: 256, steps: options.steps)
        result.runsPerSecondC256 = c256.runsPerSecond
        result.transitionsPerSecondC256 = c256.transitionsPerSecond
        result.recordsPerRun = c256.recordsPerRun
        result.meanBatchC256 = c256.meanBatch
        result.writerBusyC256 = c256.writerBusy
        result.cpuMillisecondsPerRunC256 = c256.cpuMillisecondsPerRun
        result.runsC256 = options.runsC256
        return result
    }

    /// The spec of a benchmark run: `steps` steps of `true`.
    public static func spec(steps: Int) -> JobSpec {
        JobSpec(
            kind: .shell,
            name: "bench",
            steps: (0..<steps).map { StepSpec(name: "s\($0)", run: "true", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 1, backoffMilliseconds: 0)) }
        )
    }

    /// An executor of sandbox jobs whose sandboxes are `provider`'s.
    public static func executor(_ provider: InstantSandboxProvider, clock: any RuntimeClock) -> SandboxJobExecutor {
        SandboxJobExecutor(
            performer: SandboxJobPerformer(local: provider, secrets: SecretStore(values: [:]), artifactsDirectory: "/nonexistent", now: { clock.now() })
        )
    }

    /// Submits `count` runs (before any timing).
    static func submit(_ count: Int, steps: Int, to journal: any JournalStore, clock: any RuntimeClock) async throws {
        let spec = spec(steps: steps)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 256 { try await group.next() }
                group.addTask { _ = try await journal.submit(spec, at: clock.now()) }
            }
            try await group.waitForAll()
        }
    }

    struct Phase {
        var runsPerSecond: Double
        var transitionsPerSecond: Double
        var recordsPerRun: Double
        var meanBatch: Double
        var writerBusy: Double
        var cpuMillisecondsPerRun: Double
    }

    static func phase(on store: BenchStore, runs: Int, concurrency: Int, steps: Int) async throws -> Phase {
        let name = "bench-runs-c\(concurrency)"
        let journal = try await store.open(name)
        do {
            let phase = try await measure(journal, runs: runs, concurrency: concurrency, steps: steps)
            journal.close()
            await store.remove(name)
            return phase
        } catch {
            journal.close()
            await store.remove(name)
            throw error
        }
    }

    private static func measure(_ journal: any JournalStore, runs: Int, concurrency: Int, steps: Int) async throws -> Phase {
        let clock = SystemClock()
        try await submit(runs, steps: steps, to: journal, clock: clock)
        let before = try await journal.recordCounts()
        let commitsBefore = journal.commitStatistics
        let provider = InstantSandboxProvider()
        let engine = Engine(
            journal: journal,
            executor: executor(provider, clock: clock),
            clock: clock,
            options: EngineOptions(owner: "bench", concurrency: concurrency, untilIdle: true)
        )
        let timer = ContinuousClock()
        let start = timer.now
        let cpuBefore = processCPUSeconds()
        let summary = try await engine.run()
        let elapsed = (timer.now - start).seconds
        let cpu = processCPUSeconds() - cpuBefore
        let commits = journal.commitStatistics.since(commitsBefore)
        let after = try await journal.recordCounts()
        let succeeded = try await journal.runs(.state("succeeded"), limit: runs + 1).count
        guard summary.finished == runs, succeeded == runs, provider.aliveCount == 0 else {
            throw BenchmarkError("of \(runs) runs, \(summary.finished) finished and \(succeeded) succeeded; \(provider.aliveCount) sandboxes are alive")
        }
        let transitions = (after[.transition] ?? 0) - (before[.transition] ?? 0)
        let records = after.values.reduce(0, +) - before.values.reduce(0, +)
        return Phase(
            runsPerSecond: Double(runs) / elapsed,
            transitionsPerSecond: Double(transitions) / elapsed,
            recordsPerRun: Double(records) / Double(runs),
            meanBatch: Double(commits.operations) / Double(max(1, commits.commits)),
            writerBusy: commits.busy.seconds / elapsed,
            cpuMillisecondsPerRun: cpu * 1000 / Double(runs)
        )
    }

    /// The CPU time (user and system) this process has used, in seconds.
    package static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
