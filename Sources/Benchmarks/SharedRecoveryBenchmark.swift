import Effects
import Journal
import JournalPostgres
import RunStateMachine
import Runtime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures recovery on a shared PostgreSQL journal after a real crash: a worker process with
/// many runs in flight is SIGKILLed, and a second worker process takes the runs over once the
/// killed worker's leases run out.
///
/// The killed worker (``holdInFlight(on:owner:recordFile:runs:leaseMilliseconds:ready:)``, run
/// by `worker bench recovery` as a child process) drives 3-step ``SandboxJob`` runs with an
/// ``InstantSandboxProvider`` whose commands are held running, its records kept in a file, until
/// every run's first step has started; it is then killed. Its leases live until its last
/// heartbeat runs out, by the database's clock; no one stops them early. The benchmark, a
/// second process, starts an engine at once: it polls as a worker does, claims the runs once
/// the leases are out, reconciles each in-flight step with the provider (opened on the killed
/// worker's records; the held commands have finished) and journals its outcome. The clock of
/// the figures starts when the leases run out.
public enum SharedRecoveryBenchmark {
    /// The worker process the benchmark kills.
    public protocol Victim: Sendable {
        /// Returns once the process says every run has a step in flight.
        ///
        /// - Throws: If it exits first, or does not say so within `timeout`.
        func waitUntilReady(timeout: Duration) async throws
        /// Kills the process with SIGKILL and reaps it.
        func kill() async
    }

    /// The owner name the killed worker takes its leases under.
    public static let victimOwner = "bench-victim"

    /// Runs the benchmark with `runs` runs in flight, in a scratch schema of `location`'s
    /// database (created and removed), the sandbox records in `directory`. `startVictim` starts
    /// the worker process that is killed, on the schema and record file it is given (it calls
    /// ``holdInFlight(on:owner:recordFile:runs:leaseMilliseconds:ready:)``).
    public static func run(
        on location: PostgresLocation,
        directory: String,
        runs: Int = 10_000,
        startVictim: (_ schema: String, _ recordFile: String) async throws -> any Victim
    ) async throws -> RecoveryBenchmarkResult {
        let schema = "runlog_bench_\(getpid())_recovery"
        try await location.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try await location.execute("CREATE SCHEMA \(schema)")
        let recordFile = "\(directory)/sandboxes.records"
        defer { unlink(recordFile) }
        let journal = try await PostgresJournal.open(location.inSchema(schema))
        do {
            let result = try await measure(journal, runs: runs, startVictim: { try await startVictim(schema, recordFile) }, recordFile: recordFile)
            journal.close()
            try? await location.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            return result
        } catch {
            journal.close()
            try? await location.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            throw error
        }
    }

    private static func measure(
        _ journal: PostgresJournal,
        runs: Int,
        startVictim: () async throws -> any Victim,
        recordFile: String
    ) async throws -> RecoveryBenchmarkResult {
        let clock = SystemClock()
        try await RunsBenchmark.submit(runs, steps: 3, to: journal, clock: clock)
        let victim = try await startVictim()
        do {
            try await victim.waitUntilReady(timeout: .seconds(300))
        } catch {
            await victim.kill()
            throw error
        }
        await victim.kill()
        let timer = ContinuousClock()
        let killed = timer.now
        let leasesOut = timer.now + .milliseconds(try await journal.millisecondsUntilLeasesRunOut(owner: victimOwner))
        let inFlight = try await journal.runs(.state("running"), limit: runs + 1).count

        // The second worker: polls as `worker run` does on a shared store.
        let provider = try InstantSandboxProvider(recordFile: recordFile)
        let probe = ResumeProbe(RunsBenchmark.executor(provider, clock: clock), expecting: runs)
        let second = Engine(
            journal: journal,
            executor: probe,
            clock: clock,
            options: EngineOptions(owner: "bench-after", concurrency: runs, pollJitterMilliseconds: 100, untilIdle: true)
        )
        let summary = try await second.run()
        let finished = timer.now
        let resumedAt = try await RecoveryBenchmark.checkRecovered(journal, runs: runs, inFlight: inFlight, summary: summary, probe: probe)
        var result = RecoveryBenchmarkResult()
        result.runs = runs
        result.leaseWaitSeconds = (leasesOut - killed).seconds
        result.recoverySeconds = (resumedAt - leasesOut).seconds
        result.finishSeconds = (finished - leasesOut).seconds
        return result
    }

    /// What the killed worker does: drives every unfinished run of the journal at `location`
    /// under leases of ``victimOwner`` (`leaseMilliseconds` long, renewed by its heartbeat) with
    /// commands held running, calls `ready` once every one of the `runs` runs has a step in
    /// flight, and serves until it is killed.
    public static func holdInFlight(
        on location: PostgresLocation,
        owner: String = victimOwner,
        recordFile: String,
        runs: Int,
        leaseMilliseconds: Int64,
        ready: @Sendable () -> Void
    ) async throws {
        let clock = SystemClock()
        let journal = try await PostgresJournal.open(location)
        let worker = try await RecoveryBenchmark.startInFlight(
            runs,
            on: journal,
            provider: try InstantSandboxProvider(recordFile: recordFile),
            clock: clock,
            options: EngineOptions(owner: owner, concurrency: runs, leaseMilliseconds: leaseMilliseconds)
        )
        ready()
        _ = try await worker.value
    }
}
