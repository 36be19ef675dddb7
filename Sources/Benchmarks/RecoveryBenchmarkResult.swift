import Effects
import Journal
import RunStateMachine
import Runtime
/// The figures `worker bench recovery` prints.
public struct RecoveryBenchmarkResult: Sendable {
    /// Runs in flight when the worker stopped.
    public var runs = 0
    /// Seconds from opening the journal again until every run resumed (its in-flight step was
    /// reconciled and the outcome journaled).
    public var recoverySeconds = 0.0
    /// Seconds from opening the journal again until every run finished.
    public var finishSeconds = 0.0

    /// Creates empty figures.
    public init() {}

    /// The figures as one JSON object.
    public var json: JSONValue {
        func number(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }
        return [
            "finish_seconds": number(finishSeconds),
            "recovery_seconds": number(recoverySeconds),
            "runs": .int(Int64(runs)),
        ]
    }
}
