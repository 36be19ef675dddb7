/// The events of a ``SandboxJob`` run, exactly as the journal records them.
///
/// Outcome events name the intent they answer; failures that may be retried carry the time
/// they were observed (`at`), from which the machine computes when to retry.
public enum SandboxJobEvent: MachineEvent {
    /// A worker took the run from the queue. Source: driver.
    case start
    /// The sandbox exists. Source: outcome of `createSandbox`.
    case sandboxCreated(intent: IntentID, sandbox: SandboxID)
    /// No sandbox was created. Source: outcome of `createSandbox`.
    case sandboxCreateFailed(intent: IntentID, reason: String, retryable: Bool, at: Timestamp)
    /// A step's command ended. Source: outcome of `runStep`.
    case stepFinished(intent: IntentID, result: StepResult, at: Timestamp)
    /// The model answered; the full response is journaled before any tool runs. Source: outcome
    /// of `callModel`.
    case modelResponded(intent: IntentID, response: ModelResponse)
    /// The model call failed. Source: outcome of `callModel`.
    case modelCallFailed(intent: IntentID, reason: String, retryable: Bool, retryAfterMilliseconds: Int64?, at: Timestamp)
    /// A tool call finished (successfully or not). Source: outcome of `runTool`.
    case toolFinished(intent: IntentID, result: ToolResult)
    /// The `collect` paths were copied out. Source: outcome of `collectArtifacts`.
    case collected(intent: IntentID, artifacts: [ArtifactDigest])
    /// Copying artifacts failed. Source: outcome of `collectArtifacts`.
    case collectFailed(intent: IntentID, reason: String)
    /// The sandbox is gone (killed now, or already gone). Source: outcome of `killSandbox`.
    case sandboxReleased(intent: IntentID)
    /// Killing the sandbox failed. Source: outcome of `killSandbox`.
    case sandboxReleaseFailed(intent: IntentID, reason: String, at: Timestamp)
    /// The status sink has the run's outcome. Source: outcome of `reportStatus`.
    case statusReported(intent: IntentID)
    /// Reporting failed. Source: outcome of `reportStatus`.
    case statusReportFailed(intent: IntentID, reason: String, retryable: Bool, at: Timestamp)
    /// Whether the intent's effect happened cannot be known. Source: recovery.
    case effectInDoubt(intent: IntentID, reason: String)
    /// A retry wait is over. Source: timer.
    case retryDue(at: Timestamp)
    /// The run's deadline passed. Source: timer.
    case deadlineReached(at: Timestamp)
    /// Someone asked to cancel the run. Source: operator.
    case cancelRequested(reason: String)
    /// An operator decided about a parked run. Source: operator.
    case operatorResolved(resolution: Resolution, note: String)

    /// The definition's name of the event.
    public var name: String {
        switch self {
        case .start: "start"
        case .sandboxCreated: "sandboxCreated"
        case .sandboxCreateFailed: "sandboxCreateFailed"
        case .stepFinished: "stepFinished"
        case .modelResponded: "modelResponded"
        case .modelCallFailed: "modelCallFailed"
        case .toolFinished: "toolFinished"
        case .collected: "collected"
        case .collectFailed: "collectFailed"
        case .sandboxReleased: "sandboxReleased"
        case .sandboxReleaseFailed: "sandboxReleaseFailed"
        case .statusReported: "statusReported"
        case .statusReportFailed: "statusReportFailed"
        case .effectInDoubt: "effectInDoubt"
        case .retryDue: "retryDue"
        case .deadlineReached: "deadlineReached"
        case .cancelRequested: "cancelRequested"
        case .operatorResolved: "operatorResolved"
        }
    }

    /// The intent an outcome event answers.
    public var answers: IntentID? {
        switch self {
        case .sandboxCreated(let intent, _), .sandboxCreateFailed(let intent, _, _, _), .stepFinished(let intent, _, _),
            .modelResponded(let intent, _), .modelCallFailed(let intent, _, _, _, _), .toolFinished(let intent, _),
            .collected(let intent, _), .collectFailed(let intent, _), .sandboxReleased(let intent),
            .sandboxReleaseFailed(let intent, _, _), .statusReported(let intent), .statusReportFailed(let intent, _, _, _),
            .effectInDoubt(let intent, _):
            intent
        case .start, .retryDue, .deadlineReached, .cancelRequested, .operatorResolved:
            nil
        }
    }
}

extension SandboxJobEvent: JSONCodable {
    /// Decodes the tagged form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, f) = try json.tagged()
        switch name {
        case "start":
            self = .start
        case "sandboxCreated":
            self = .sandboxCreated(intent: try f.decode("intent"), sandbox: try f.decode("sandbox"))
        case "sandboxCreateFailed":
            self = .sandboxCreateFailed(intent: try f.decode("intent"), reason: try f.string("reason"), retryable: try f.bool("retryable"), at: try f.decode("at"))
        case "stepFinished":
            self = .stepFinished(intent: try f.decode("intent"), result: try f.decode("result"), at: try f.decode("at"))
        case "modelResponded":
            self = .modelResponded(intent: try f.decode("intent"), response: try f.decode("response"))
        case "modelCallFailed":
            self = .modelCallFailed(
                intent: try f.decode("intent"),
                reason: try f.string("reason"),
                retryable: try f.bool("retryable"),
                retryAfterMilliseconds: try f.optionalInt("retryAfterMs").map(Int64.init),
                at: try f.decode("at")
            )
        case "toolFinished":
            self = .toolFinished(intent: try f.decode("intent"), result: try f.decode("result"))
        case "collected":
            self = .collected(intent: try f.decode("intent"), artifacts: try f.array("artifacts"))
        case "collectFailed":
            self = .collectFailed(intent: try f.decode("intent"), reason: try f.string("reason"))
        case "sandboxReleased":
            self = .sandboxReleased(intent: try f.decode("intent"))
        case "sandboxReleaseFailed":
            self = .sandboxReleaseFailed(intent: try f.decode("intent"), reason: try f.string("reason"), at: try f.decode("at"))
        case "statusReported":
            self = .statusReported(intent: try f.decode("intent"))
        case "statusReportFailed":
            self = .statusReportFailed(intent: try f.decode("intent"), reason: try f.string("reason"), retryable: try f.bool("retryable"), at: try f.decode("at"))
        case "effectInDoubt":
            self = .effectInDoubt(intent: try f.decode("intent"), reason: try f.string("reason"))
        case "retryDue":
            self = .retryDue(at: try f.decode("at"))
        case "deadlineReached":
            self = .deadlineReached(at: try f.decode("at"))
        case "cancelRequested":
            self = .cancelRequested(reason: try f.string("reason"))
        case "operatorResolved":
            self = .operatorResolved(resolution: try f.decode("resolution"), note: try f.string("note"))
        default:
            throw JSONDecodingError(path: "", problem: "unknown sandbox-job event '\(name)'")
        }
    }

    /// The tagged form, e.g. `{"sandboxCreated":{"intent":"3/0","sandbox":"sbx-1"}}`.
    public var json: JSONValue {
        switch self {
        case .start:
            .tagged(name)
        case .sandboxCreated(let intent, let sandbox):
            .tagged(name, ["intent": intent.json, "sandbox": sandbox.json])
        case .sandboxCreateFailed(let intent, let reason, let retryable, let at):
            .tagged(name, ["at": at.json, "intent": intent.json, "reason": .string(reason), "retryable": .bool(retryable)])
        case .stepFinished(let intent, let result, let at):
            .tagged(name, ["at": at.json, "intent": intent.json, "result": result.json])
        case .modelResponded(let intent, let response):
            .tagged(name, ["intent": intent.json, "response": response.json])
        case .modelCallFailed(let intent, let reason, let retryable, let retryAfter, let at):
            .tagged(name, Self.modelCallFailedFields(intent: intent, reason: reason, retryable: retryable, retryAfter: retryAfter, at: at))
        case .toolFinished(let intent, let result):
            .tagged(name, ["intent": intent.json, "result": result.json])
        case .collected(let intent, let artifacts):
            .tagged(name, ["artifacts": .array(artifacts.map(\.json)), "intent": intent.json])
        case .collectFailed(let intent, let reason):
            .tagged(name, ["intent": intent.json, "reason": .string(reason)])
        case .sandboxReleased(let intent):
            .tagged(name, ["intent": intent.json])
        case .sandboxReleaseFailed(let intent, let reason, let at):
            .tagged(name, ["at": at.json, "intent": intent.json, "reason": .string(reason)])
        case .statusReported(let intent):
            .tagged(name, ["intent": intent.json])
        case .statusReportFailed(let intent, let reason, let retryable, let at):
            .tagged(name, ["at": at.json, "intent": intent.json, "reason": .string(reason), "retryable": .bool(retryable)])
        case .effectInDoubt(let intent, let reason):
            .tagged(name, ["intent": intent.json, "reason": .string(reason)])
        case .retryDue(let at):
            .tagged(name, ["at": at.json])
        case .deadlineReached(let at):
            .tagged(name, ["at": at.json])
        case .cancelRequested(let reason):
            .tagged(name, ["reason": .string(reason)])
        case .operatorResolved(let resolution, let note):
            .tagged(name, ["note": .string(note), "resolution": resolution.json])
        }
    }

    private static func modelCallFailedFields(
        intent: IntentID,
        reason: String,
        retryable: Bool,
        retryAfter: Int64?,
        at: Timestamp
    ) -> JSONObject {
        var fields: JSONObject = ["at": at.json, "intent": intent.json, "reason": .string(reason), "retryable": .bool(retryable)]
        if let retryAfter { fields["retryAfterMs"] = .int(retryAfter) }
        return fields
    }
}
