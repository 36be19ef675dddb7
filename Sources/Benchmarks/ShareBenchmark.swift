import Effects
import Journal
import JournalPostgres
import RunStateMachine
import Runtime
#if canImport(Glibc)
import Glibc
#endif

/// Measures how worker processes sharing a PostgreSQL journal divide its runs: `runs` 3-step
/// runs are submitted to a scratch schema, then several worker processes (each an engine with
/// concurrency 256 over in-memory sandboxes, as in ``RunsBenchmark``) drive them until none is
/// left. Each says how many runs it drove to success; the total rate is the runs over the time
/// from the start of the first worker to the exit of the last.
public enum ShareBenchmark {
    /// One worker process's share.
    public struct Share: Sendable {
        /// Runs it drove to success.
        public var finished: Int
        /// Seconds from its engine's start to its return.
        public var seconds: Double
        /// Its CPU seconds while driving.
        public var cpuSeconds: Double

        /// A worker's share, as it reported it.
        public init(finished: Int, seconds: Double, cpuSeconds: Double) {
            self.finished = finished
            self.seconds = seconds
            self.cpuSeconds = cpuSeconds
        }
    }

    /// A worker process the benchmark started.
    public protocol Worker: Sendable {
        /// Waits for the process to exit; what it reported.
        func share() async throws -> Share
    }

    /// Runs the benchmark: `runs` runs in a scratch schema of `location`'s database (created, and
    /// removed unless `keepingSchema`, for a look at what the runs left), driven by the
    /// `workers` processes `startWorker` starts on it (each calls ``drive(on:owner:)``).
    public static func run(
        on location: PostgresLocation,
        runs: Int,
        workers: Int,
        keepingSchema: Bool = false,
        startWorker: (_ schema: String, _ index: Int) async throws -> any Worker
    ) async throws -> ShareBenchmarkResult {
        let schema = "runlog_bench_\(getpid())_share"
        try await location.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try await location.execute("CREATE SCHEMA \(schema)")
        let journal = try await PostgresJournal.open(location.inSchema(schema))
        defer { journal.close() }
        do {
            try await RunsBenchmark.submit(runs, steps: 3, to: journal, clock: SystemClock())
            let timer = ContinuousClock()
            let start = timer.now
            var started: [any Worker] = []
            for index in 0..<workers {
                started.append(try await startWorker(schema, index))
            }
            var shares: [Share] = []
            for worker in started {
                shares.append(try await worker.share())
            }
            let elapsed = (timer.now - start).seconds
            let succeeded = try await journal.runs(.state("succeeded"), limit: runs + 1).count
            let driven = shares.reduce(0) { $0 + $1.finished }
            guard succeeded == runs, driven == runs else {
                throw BenchmarkError("of \(runs) runs, \(succeeded) succeeded; the workers say they drove \(shares.map(\.finished)) to the end")
            }
            if !keepingSchema {
                try? await location.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            }
            return ShareBenchmarkResult(runs: runs, runsPerSecond: Double(runs) / elapsed, shares: shares, schema: keepingSchema ? schema : nil)
        } catch {
            try? await location.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            throw error
        }
    }

    /// What one worker process does: drives the journal's runs at concurrency 256, polling as
    /// `worker run` does on a shared store, until none is left; its share.
    public static func drive(on location: PostgresLocation, owner: String) async throws -> Share {
        let clock = SystemClock()
        let journal = try await PostgresJournal.open(location)
        defer { journal.close() }
        let provider = InstantSandboxProvider()
        let engine = Engine(
            journal: journal,
            executor: RunsBenchmark.executor(provider, clock: clock),
            clock: clock,
            options: EngineOptions(owner: owner, concurrency: 256, pollJitterMilliseconds: 100, untilIdle: true)
        )
        let timer = ContinuousClock()
        let start = timer.now
        let cpuBefore = RunsBenchmark.processCPUSeconds()
        let summary = try await engine.run()
        return Share(finished: summary.finished, seconds: (timer.now - start).seconds, cpuSeconds: RunsBenchmark.processCPUSeconds() - cpuBefore)
    }
}
