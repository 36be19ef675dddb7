/// What a run in `retryWait` will try again when the wait is over.
public enum RetryTarget: Hashable, Sendable {
    /// Create the sandbox, as attempt `attempt`.
    case provision(attempt: Int)
    /// Run step `index`, as attempt `attempt`.
    case step(index: Int, attempt: Int, sandbox: SandboxID)
    /// Call the model for turn `turn`, as attempt `attempt`.
    case model(turn: Int, attempt: Int, sandbox: SandboxID, usage: TokenUsage)
    /// Kill the sandbox, as attempt `attempt`, then report `outcome`.
    case release(sandbox: SandboxID, attempt: Int, outcome: RunOutcome)
    /// Report `outcome`, as attempt `attempt`.
    case report(outcome: RunOutcome, attempt: Int)

    /// The sandbox the run holds while waiting, if any.
    public var sandbox: SandboxID? {
        switch self {
        case .provision, .report: nil
        case .step(_, _, let sandbox), .model(_, _, let sandbox, _), .release(let sandbox, _, _): sandbox
        }
    }
}

extension RetryTarget: JSONCodable {
    /// Decodes the tagged form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, fields) = try json.tagged()
        switch name {
        case "provision":
            self = .provision(attempt: try fields.int("attempt"))
        case "step":
            self = .step(index: try fields.int("index"), attempt: try fields.int("attempt"), sandbox: try fields.decode("sandbox"))
        case "model":
            self = .model(
                turn: try fields.int("turn"),
                attempt: try fields.int("attempt"),
                sandbox: try fields.decode("sandbox"),
                usage: try fields.decode("usage")
            )
        case "release":
            self = .release(sandbox: try fields.decode("sandbox"), attempt: try fields.int("attempt"), outcome: try fields.decode("outcome"))
        case "report":
            self = .report(outcome: try fields.decode("outcome"), attempt: try fields.int("attempt"))
        default:
            throw JSONDecodingError(path: "", problem: "unknown retry target '\(name)'")
        }
    }

    /// The tagged form.
    public var json: JSONValue {
        switch self {
        case .provision(let attempt):
            .tagged("provision", ["attempt": .int(Int64(attempt))])
        case .step(let index, let attempt, let sandbox):
            .tagged("step", ["attempt": .int(Int64(attempt)), "index": .int(Int64(index)), "sandbox": sandbox.json])
        case .model(let turn, let attempt, let sandbox, let usage):
            .tagged("model", ["attempt": .int(Int64(attempt)), "sandbox": sandbox.json, "turn": .int(Int64(turn)), "usage": usage.json])
        case .release(let sandbox, let attempt, let outcome):
            .tagged("release", ["attempt": .int(Int64(attempt)), "outcome": outcome.json, "sandbox": sandbox.json])
        case .report(let outcome, let attempt):
            .tagged("report", ["attempt": .int(Int64(attempt)), "outcome": outcome.json])
        }
    }
}
