import Effects
import Journal
import RunStateMachine
import Runtime
/// The figures `worker bench recovery` prints.
public struct RecoveryBenchmarkResult: Sendable {
    /// Runs in flight when the worker stopped.
    public var runs = 0
    /// Seconds from the moment the runs could be taken (the journal opened again; on a shared
    /// store, the killed worker's leases run out) until every run resumed (its in-flight step
    /// was reconciled and the outcome journaled).
    public var recoverySeconds = 0.0
    /// Seconds from that moment until every run finished.
    public var finishSeconds = 0.0
    /// On a shared store, seconds from the kill until the killed worker's leases ran out, by the
    /// database's clock (0 on the embedded store: its restarted worker takes over at once).
    public var leaseWaitSeconds = 0.0

    /// Creates empty figures.
    public init() {}

    /// The figures as one JSON object.
    public var json: JSONValue {
        func number(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }
        return [
            "finish_seconds": number(finishSeconds),
            "lease_wait_seconds": number(leaseWaitSeconds),
            "recovery_seconds": number(recoverySeconds),
            "runs": .int(Int64(runs)),
        ]
    }
}
