/// The effects a ``SandboxJob`` run asks for. Each is journaled as an intent, with its key and
/// recovery policy, before it fires.
public enum SandboxJobEffect: MachineEffect {
    /// Create the run's sandbox (attempt `attempt`), tagged with the run id, effect key and
    /// lease epoch. Policy: reconcile (find it by metadata).
    case createSandbox(attempt: Int)
    /// Run step `index` of the spec, attempt `attempt`, in `sandbox`. Policy: idempotent for
    /// idempotent steps, otherwise reconcile (read the command's exit record).
    case runStep(sandbox: SandboxID, index: Int, attempt: Int)
    /// Ask the model for turn `turn`, attempt `attempt`; the conversation is rebuilt from the
    /// journal. Policy: idempotent (nothing is acted on until a response is journaled).
    case callModel(sandbox: SandboxID, turn: Int, attempt: Int)
    /// Run tool call `call` (number `index` of turn `turn`) in `sandbox`; its input is in the
    /// journaled model response. Policy: reconcile (read the call's exit record).
    case runTool(sandbox: SandboxID, turn: Int, index: Int, call: ToolCallRef)
    /// Copy the spec's `collect` paths out of `sandbox`. Policy: idempotent.
    case collectArtifacts(sandbox: SandboxID)
    /// Kill `sandbox`; already gone counts as done. Policy: idempotent.
    case killSandbox(sandbox: SandboxID)
    /// Report the run's final `outcome` to the status sink, guarded by the journal sequence.
    /// Policy: idempotent.
    case reportStatus(outcome: RunOutcome)

    /// The definition's name of the effect kind.
    public var kind: String {
        switch self {
        case .createSandbox: "createSandbox"
        case .runStep: "runStep"
        case .callModel: "callModel"
        case .runTool: "runTool"
        case .collectArtifacts: "collectArtifacts"
        case .killSandbox: "killSandbox"
        case .reportStatus: "reportStatus"
        }
    }
}

extension SandboxJobEffect: JSONCodable {
    /// Decodes the tagged form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, f) = try json.tagged()
        switch name {
        case "createSandbox":
            self = .createSandbox(attempt: try f.int("attempt"))
        case "runStep":
            self = .runStep(sandbox: try f.decode("sandbox"), index: try f.int("index"), attempt: try f.int("attempt"))
        case "callModel":
            self = .callModel(sandbox: try f.decode("sandbox"), turn: try f.int("turn"), attempt: try f.int("attempt"))
        case "runTool":
            self = .runTool(sandbox: try f.decode("sandbox"), turn: try f.int("turn"), index: try f.int("index"), call: try f.decode("call"))
        case "collectArtifacts":
            self = .collectArtifacts(sandbox: try f.decode("sandbox"))
        case "killSandbox":
            self = .killSandbox(sandbox: try f.decode("sandbox"))
        case "reportStatus":
            self = .reportStatus(outcome: try f.decode("outcome"))
        default:
            throw JSONDecodingError(path: "", problem: "unknown sandbox-job effect '\(name)'")
        }
    }

    /// The tagged form, e.g. `{"runStep":{"attempt":1,"index":0,"sandbox":"sbx-1"}}`.
    public var json: JSONValue {
        switch self {
        case .createSandbox(let attempt):
            .tagged(kind, ["attempt": .int(Int64(attempt))])
        case .runStep(let sandbox, let index, let attempt):
            .tagged(kind, ["attempt": .int(Int64(attempt)), "index": .int(Int64(index)), "sandbox": sandbox.json])
        case .callModel(let sandbox, let turn, let attempt):
            .tagged(kind, ["attempt": .int(Int64(attempt)), "sandbox": sandbox.json, "turn": .int(Int64(turn))])
        case .runTool(let sandbox, let turn, let index, let call):
            .tagged(kind, ["call": call.json, "index": .int(Int64(index)), "sandbox": sandbox.json, "turn": .int(Int64(turn))])
        case .collectArtifacts(let sandbox):
            .tagged(kind, ["sandbox": sandbox.json])
        case .killSandbox(let sandbox):
            .tagged(kind, ["sandbox": sandbox.json])
        case .reportStatus(let outcome):
            .tagged(kind, ["outcome": outcome.json])
        }
    }
}
