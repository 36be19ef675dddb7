import RunStateMachine

/// What a status sink is told about a run: absolute, not relative (a replay writes the same
/// bytes), and ordered by `seq`, the journal's run sequence number of the record it reflects, so
/// a sink can refuse an update older than one it has.
public struct StatusUpdate: Hashable, Sendable {
    /// The run's id.
    public var runID: String
    /// The run sequence number of the journal record this update reflects.
    public var seq: Int
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    public var status: String
    /// The machine state's name (`provisioning`, `awaitingModel`, ...).
    public var state: String
    /// A line for people (the failure reason, say).
    public var detail: String
    /// The journal's time of the record (not the time of sending).
    public var at: Timestamp

    /// Creates an update.
    public init(runID: String, seq: Int, status: String, state: String, detail: String, at: Timestamp) {
        self.runID = runID
        self.seq = seq
        self.status = status
        self.state = state
        self.detail = detail
        self.at = at
    }

    /// The platform-facing status of a machine state: `queued` until a worker takes the run,
    /// then `running` until it ends.
    public static func status(ofState name: String) -> String {
        switch name {
        case "queued": "queued"
        case "succeeded", "failed", "cancelled": name
        default: "running"
        }
    }

    /// The body every sink sends: `{"run_id","seq","status","state","detail","updated_at"}`.
    public var json: JSONValue {
        [
            "run_id": .string(runID),
            "seq": .int(Int64(seq)),
            "status": .string(status),
            "state": .string(state),
            "detail": .string(detail),
            "updated_at": .string(at.description),
        ]
    }
}
