/// Why a run failed.
public enum FailureReason: Hashable, Sendable, CustomStringConvertible {
    /// A step failed on its last allowed attempt.
    case stepFailed(step: Int, exit: StepExit)
    /// No sandbox could be created.
    case sandboxUnavailable(reason: String)
    /// The sandbox disappeared while the run needed it.
    case sandboxLost(reason: String)
    /// The run's deadline passed.
    case deadlineExceeded
    /// Model calls kept failing.
    case modelFailed(reason: String)
    /// The model stopped for a reason other than finishing (`max_tokens`, `refusal`, ...).
    case modelStopped(stopReason: String)
    /// The agent used all its turns without finishing.
    case turnLimit(maxTurns: Int)
    /// The agent exceeded its token budget.
    case tokenBudget(used: Int, budget: Int)
    /// Collecting artifacts failed.
    case collectFailed(reason: String)
    /// An operator gave up on the run.
    case abandoned(note: String)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .stepFailed(let step, let exit): "step \(step &+ 1) failed (\(exit))"
        case .sandboxUnavailable(let reason): "no sandbox could be created: \(reason)"
        case .sandboxLost(let reason): "the sandbox was lost: \(reason)"
        case .deadlineExceeded: "the run's deadline passed"
        case .modelFailed(let reason): "model calls failed: \(reason)"
        case .modelStopped(let stopReason): "the model stopped with '\(stopReason)'"
        case .turnLimit(let maxTurns): "the agent used all \(maxTurns) turns"
        case .tokenBudget(let used, let budget): "the agent used \(used) tokens of a \(budget)-token budget"
        case .collectFailed(let reason): "collecting artifacts failed: \(reason)"
        case .abandoned(let note): "abandoned by an operator: \(note)"
        }
    }
}

extension FailureReason: JSONCodable {
    /// Decodes the tagged form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, fields) = try json.tagged()
        switch name {
        case "stepFailed": self = .stepFailed(step: try fields.int("step"), exit: try fields.decode("exit"))
        case "sandboxUnavailable": self = .sandboxUnavailable(reason: try fields.string("reason"))
        case "sandboxLost": self = .sandboxLost(reason: try fields.string("reason"))
        case "deadlineExceeded": self = .deadlineExceeded
        case "modelFailed": self = .modelFailed(reason: try fields.string("reason"))
        case "modelStopped": self = .modelStopped(stopReason: try fields.string("stopReason"))
        case "turnLimit": self = .turnLimit(maxTurns: try fields.int("maxTurns"))
        case "tokenBudget": self = .tokenBudget(used: try fields.int("used"), budget: try fields.int("budget"))
        case "collectFailed": self = .collectFailed(reason: try fields.string("reason"))
        case "abandoned": self = .abandoned(note: try fields.string("note"))
        default: throw JSONDecodingError(path: "", problem: "unknown failure reason '\(name)'")
        }
    }

    /// The tagged form.
    public var json: JSONValue {
        switch self {
        case .stepFailed(let step, let exit): .tagged("stepFailed", ["exit": exit.json, "step": .int(Int64(step))])
        case .sandboxUnavailable(let reason): .tagged("sandboxUnavailable", ["reason": .string(reason)])
        case .sandboxLost(let reason): .tagged("sandboxLost", ["reason": .string(reason)])
        case .deadlineExceeded: .tagged("deadlineExceeded")
        case .modelFailed(let reason): .tagged("modelFailed", ["reason": .string(reason)])
        case .modelStopped(let stopReason): .tagged("modelStopped", ["stopReason": .string(stopReason)])
        case .turnLimit(let maxTurns): .tagged("turnLimit", ["maxTurns": .int(Int64(maxTurns))])
        case .tokenBudget(let used, let budget): .tagged("tokenBudget", ["budget": .int(Int64(budget)), "used": .int(Int64(used))])
        case .collectFailed(let reason): .tagged("collectFailed", ["reason": .string(reason)])
        case .abandoned(let note): .tagged("abandoned", ["note": .string(note)])
        }
    }
}
