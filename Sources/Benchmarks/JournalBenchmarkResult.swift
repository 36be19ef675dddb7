import Effects
import Journal
import RunStateMachine
import Runtime
/// The figures `worker bench journal` prints, all measured in one run on one file system.
public struct JournalBenchmarkResult: Sendable {
    /// Journal appends per second by one appender (transitions computed beforehand).
    public var appendsPerSecondC1 = 0.0
    /// The median time of one append by one appender, in milliseconds.
    public var appendP50MillisecondsC1 = 0.0
    /// Journal appends per second by 256 concurrent appenders (transitions computed beforehand).
    public var appendsPerSecondC256 = 0.0
    /// Whole driver steps per second by one driver: checked transition, encoding and append.
    public var transitionsPerSecondC1 = 0.0
    /// Whole driver steps per second by 256 concurrent drivers.
    public var transitionsPerSecondC256 = 0.0
    /// The median time of one append with 256 concurrent appenders, in milliseconds.
    public var appendP50MillisecondsC256 = 0.0
    /// Rows per second of plain 1,000-row `INSERT` transactions of the journal's mean row size.
    public var rawRowsPerSecond = 0.0
    /// The median one-row `synchronous=FULL` commit, in milliseconds.
    public var rawCommitP50Milliseconds = 0.0
    /// Records per second of hash-chain verification.
    public var chainVerifyRecordsPerSecond = 0.0
    /// Records per second of full replay (every run through its machine).
    public var replayRecordsPerSecond = 0.0
    /// Records per second of `worker upgrade-check`'s check (replay plus the per-revision report).
    public var upgradeCheckRecordsPerSecond = 0.0
    /// Records in the journal at the end.
    public var records = 0
    /// The mean stored bytes of a journal record (the raw rows' size).
    public var meanRecordBytes = 0
    /// The mean number of operations per group commit at concurrency 256.
    public var meanBatchC256 = 0.0
    /// The share of the concurrency-256 phase the writer thread was busy committing.
    public var writerBusyC256 = 0.0

    /// The figures as one JSON object.
    public var json: JSONValue {
        func number(_ value: Double, _ places: Double = 1000) -> JSONValue { .double((value * places).rounded() / places) }
        return [
            "appends_per_second_c1": number(appendsPerSecondC1, 1),
            "append_p50_ms_c1": number(appendP50MillisecondsC1),
            "appends_per_second_c256": number(appendsPerSecondC256, 1),
            "append_p50_ms_c256": number(appendP50MillisecondsC256),
            "transitions_per_second_c1": number(transitionsPerSecondC1, 1),
            "transitions_per_second_c256": number(transitionsPerSecondC256, 1),
            "raw_sqlite_rows_per_second": number(rawRowsPerSecond, 1),
            "raw_sqlite_commit_p50_ms": number(rawCommitP50Milliseconds),
            "chain_verify_records_per_second": number(chainVerifyRecordsPerSecond, 1),
            "replay_records_per_second": number(replayRecordsPerSecond, 1),
            "upgrade_check_records_per_second": number(upgradeCheckRecordsPerSecond, 1),
            "records": .int(Int64(records)),
            "mean_record_bytes": .int(Int64(meanRecordBytes)),
            "mean_batch_c256": number(meanBatchC256, 10),
            "writer_busy_c256": number(writerBusyC256),
            "c256_vs_raw": number(rawRowsPerSecond > 0 ? appendsPerSecondC256 / rawRowsPerSecond : 0),
            "c1_p50_vs_raw_commit_p50": number(rawCommitP50Milliseconds > 0 ? appendP50MillisecondsC1 / rawCommitP50Milliseconds : 0),
        ]
    }
}
