import Effects
import Journal
import RunStateMachine
import Runtime
/// The figures `worker bench runs` prints.
public struct RunsBenchmarkResult: Sendable {
    /// Runs driven to success per second by a worker with concurrency 1.
    public var runsPerSecondC1 = 0.0
    /// Journaled transitions per second at concurrency 1.
    public var transitionsPerSecondC1 = 0.0
    /// Runs driven to success per second by a worker with concurrency 256.
    public var runsPerSecondC256 = 0.0
    /// Journaled transitions per second at concurrency 256.
    public var transitionsPerSecondC256 = 0.0
    /// Journal records written per run (transitions and leases).
    public var recordsPerRun = 0.0
    /// The mean number of journal operations per group commit at concurrency 256.
    public var meanBatchC256 = 0.0
    /// The share of the concurrency-256 phase the journal's writer thread was busy.
    public var writerBusyC256 = 0.0
    /// CPU time (all threads, user and system) per run at concurrency 256, in milliseconds:
    /// less noisy than the rates on a shared machine.
    public var cpuMillisecondsPerRunC256 = 0.0
    /// Runs in the concurrency-256 phase.
    public var runsC256 = 0

    /// Creates empty figures.
    public init() {}

    /// The figures as one JSON object.
    public var json: JSONValue {
        func number(_ value: Double, _ places: Double = 1) -> JSONValue { .double((value * places).rounded() / places) }
        return [
            "runs_per_second_c1": number(runsPerSecondC1),
            "transitions_per_second_c1": number(transitionsPerSecondC1),
            "runs_per_second_c256": number(runsPerSecondC256),
            "transitions_per_second_c256": number(transitionsPerSecondC256),
            "records_per_run": number(recordsPerRun, 100),
            "runs_c256": .int(Int64(runsC256)),
            "mean_batch_c256": number(meanBatchC256, 10),
            "writer_busy_c256": number(writerBusyC256, 100),
            "cpu_ms_per_run_c256": number(cpuMillisecondsPerRunC256, 1000),
        ]
    }
}
