/// What a run parked in `needsAttention` is waiting for an operator to decide about.
public enum AttentionSubject: Hashable, Sendable {
    /// Whether step `index`'s attempt `attempt` ran is unknown (it is not idempotent, so it is
    /// not re-run without a decision).
    case step(index: Int, attempt: Int, sandbox: SandboxID)
    /// The sandbox could not be killed; the run's outcome is already decided.
    case release(sandbox: SandboxID, outcome: RunOutcome)
    /// The status could not be reported; the run's outcome is already decided.
    case report(outcome: RunOutcome)
}

extension AttentionSubject: JSONCodable {
    /// Decodes the tagged form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, fields) = try json.tagged()
        switch name {
        case "step":
            self = .step(index: try fields.int("index"), attempt: try fields.int("attempt"), sandbox: try fields.decode("sandbox"))
        case "release":
            self = .release(sandbox: try fields.decode("sandbox"), outcome: try fields.decode("outcome"))
        case "report":
            self = .report(outcome: try fields.decode("outcome"))
        default:
            throw JSONDecodingError(path: "", problem: "unknown attention subject '\(name)'")
        }
    }

    /// The tagged form.
    public var json: JSONValue {
        switch self {
        case .step(let index, let attempt, let sandbox):
            .tagged("step", ["attempt": .int(Int64(attempt)), "index": .int(Int64(index)), "sandbox": sandbox.json])
        case .release(let sandbox, let outcome):
            .tagged("release", ["outcome": outcome.json, "sandbox": sandbox.json])
        case .report(let outcome):
            .tagged("report", ["outcome": outcome.json])
        }
    }
}
