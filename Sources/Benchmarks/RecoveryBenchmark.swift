import Effects
import Journal
import RunStateMachine
import Runtime
/// Measures recovery: a worker with many runs in flight stops, and a new one resumes them.
///
/// A first engine drives 3-step ``SandboxJob`` runs (with an ``InstantSandboxProvider`` whose
/// commands are held running) until every run's first step has started, and is then stopped:
/// each run has a journaled `runStep` intent without an outcome and a live lease. The journal is
/// closed and opened again, as by a restarted worker; meanwhile the commands finished. The clock
/// starts at that open. A new engine takes the runs over (the leases of the stopped worker are
/// dead: it held the journal's owner lock), reconciles each in-flight step with the provider,
/// and journals its outcome: the run has resumed. Both the time until every run resumed and
/// the time until every run finished are reported.
public enum RecoveryBenchmark {
    /// Runs the benchmark with `runs` runs in flight, in `directory` (which must exist; files
    /// are created and removed).
    public static func run(in directory: String, runs: Int = 10_000) async throws -> RecoveryBenchmarkResult {
        let path = "\(directory)/bench-recovery.sqlite"
        SQLiteJournal.removeFiles(at: path)
        defer { SQLiteJournal.removeFiles(at: path) }
        let clock = SystemClock()
        let provider = InstantSandboxProvider()

        // A worker with every run in flight, stopped.
        let before = try SQLiteJournal.open(path: path)
        try await RunsBenchmark.submit(runs, steps: 3, to: before, clock: clock)
        let worker = try await startInFlight(
            runs,
            on: before,
            provider: provider,
            clock: clock,
            options: EngineOptions(owner: "bench-before", concurrency: runs, exclusive: true)
        )
        worker.cancel()
        _ = try await worker.value
        before.close()
        provider.holdsCommands = false

        // The restart.
        let timer = ContinuousClock()
        let start = timer.now
        let journal = try SQLiteJournal.open(path: path)
        defer { journal.close() }
        let inFlight = try journal.runs(.state("running"), limit: runs + 1).count
        let probe = ResumeProbe(RunsBenchmark.executor(provider, clock: clock), expecting: runs)
        let second = Engine(
            journal: journal,
            executor: probe,
            clock: clock,
            options: EngineOptions(owner: "bench-after", concurrency: runs, untilIdle: true, exclusive: true)
        )
        let summary = try await second.run()
        let finished = timer.now
        let resumedAt = try await checkRecovered(journal, runs: runs, inFlight: inFlight, summary: summary, probe: probe)
        var result = RecoveryBenchmarkResult()
        result.runs = runs
        result.recoverySeconds = (resumedAt - start).seconds
        result.finishSeconds = (finished - start).seconds
        return result
    }

    /// Starts an engine with `options` driving `journal`'s runs through `provider` (whose
    /// commands it holds running) and returns its task once each of the `runs` runs has a step
    /// in flight.
    ///
    /// - Throws: ``BenchmarkError`` if they are not all in flight within 300 s (the engine is
    ///   then stopped).
    static func startInFlight(
        _ runs: Int,
        on journal: any JournalStore,
        provider: InstantSandboxProvider,
        clock: SystemClock,
        options: EngineOptions
    ) async throws -> Task<EngineSummary, any Error> {
        provider.holdsCommands = true
        let engine = Engine(journal: journal, executor: RunsBenchmark.executor(provider, clock: clock), clock: clock, options: options)
        let worker = Task { try await engine.run() }
        let timer = ContinuousClock()
        let deadline = timer.now + .seconds(300)
        while provider.startedCount < runs {
            guard timer.now < deadline else {
                worker.cancel()
                throw BenchmarkError("only \(provider.startedCount) of \(runs) runs got a step in flight within 300 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return worker
    }

    /// The instant every run resumed, once every one of the `runs` runs was in flight, was
    /// reconciled, resumed and succeeded; else an error that says where the others ended.
    static func checkRecovered<Inner: EffectExecutor>(
        _ journal: any JournalStore,
        runs: Int,
        inFlight: Int,
        summary: EngineSummary,
        probe: ResumeProbe<Inner>
    ) async throws -> ContinuousClock.Instant {
        let succeeded = try await journal.runs(.state("succeeded"), limit: runs + 1).count
        guard inFlight == runs, summary.finished == runs, succeeded == runs, probe.reconciled == runs, let resumedAt = probe.allResumedAt else {
            var others: [String: Int] = [:]
            var example = ""
            for run in try await journal.runs(.all, limit: runs + 1) where run.stateName != "succeeded" {
                others[run.stateName, default: 0] += 1
                if example.isEmpty, let state = try await journal.records(of: run.run).last(where: { $0.state != nil })?.state {
                    example = "; e.g. \(run.run.id): \(String(decoding: state, as: UTF8.self).prefix(300))"
                }
            }
            throw BenchmarkError(
                "of \(runs) runs, \(inFlight) were in flight, \(probe.reconciled) reconciled, \(probe.resumed) resumed, "
                    + "\(summary.finished) finished and \(succeeded) succeeded; the others end in "
                    + others.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                    + example + (summary.halted + summary.broken).prefix(3).map { "; \($0)" }.joined()
            )
        }
        return resumedAt
    }
}
