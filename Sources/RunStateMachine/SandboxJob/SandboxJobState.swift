/// The states of a ``SandboxJob`` run. Each case carries only what is valid in it, and lists
/// the states it may move to.
public enum SandboxJobState: MachineState {
    /// Submitted, waiting for a worker.
    /// Next: `provisioning` (start), `reporting` (cancel, deadline).
    case queued
    /// Creating the sandbox (`createSandbox` intent `intent`). A cancel or deadline arriving now
    /// is remembered in `stop` and carried out once the creation's outcome is known, because the
    /// sandbox may exist already.
    /// Next: `running` or `awaitingModel` (created), `compensating` (created but stopping),
    /// `retryWait` or `reporting` (creation failed), itself (stop noted).
    case provisioning(attempt: Int, intent: IntentID, stop: StopRequest?)
    /// Running shell step `step` (0-based), attempt `attempt`, in `sandbox`.
    /// Next: `running` (next step), `collecting` or `tearingDown` (last step done), `retryWait`
    /// (failed, attempts left), `compensating` (failed for good, cancel, deadline),
    /// `needsAttention` (outcome unknown and the step is not idempotent).
    case running(step: Int, attempt: Int, sandbox: SandboxID, intent: IntentID)
    /// Waiting for the model's response for turn `turn` (1-based), attempt `attempt`; `usage`
    /// is the run's token use so far.
    /// Next: `runningTools` (tool calls), `collecting` or `tearingDown` (finished),
    /// `retryWait` (retryable failure), `compensating` (failure, limits, cancel, deadline).
    case awaitingModel(turn: Int, attempt: Int, sandbox: SandboxID, usage: TokenUsage, intent: IntentID)
    /// Running the tool calls of turn `turn` one at a time; `calls[next]` is running.
    /// Next: itself (next call), `awaitingModel` (all calls done), `compensating` (turn limit,
    /// cancel, deadline).
    case runningTools(turn: Int, calls: [ToolCallRef], next: Int, sandbox: SandboxID, usage: TokenUsage, intent: IntentID)
    /// Waiting until `notBefore` to try `target` again.
    /// Next: the state that tries `target`, `compensating` or `reporting` (cancel, deadline).
    case retryWait(RetryTarget, notBefore: Timestamp)
    /// Copying the spec's `collect` paths out of the sandbox.
    /// Next: `tearingDown` (collected), `compensating` (failed, cancel, deadline).
    case collecting(sandbox: SandboxID, intent: IntentID)
    /// Killing the sandbox of a successful run.
    /// Next: `reporting` (killed), `retryWait` or `needsAttention` (kill failed).
    case tearingDown(sandbox: SandboxID, attempt: Int, intent: IntentID)
    /// Undoing what the run did (killing its sandbox) after a failure or cancel; the run will end
    /// with `outcome`.
    /// Next: `reporting` (killed), `retryWait` or `needsAttention` (kill failed).
    case compensating(outcome: RunOutcome, sandbox: SandboxID, attempt: Int, intent: IntentID)
    /// Parked: something needs a person's decision (`reason` says what).
    /// Next, by ``Resolution``: `running`, `collecting`, `tearingDown`, `compensating`,
    /// `reporting`, or a terminal state.
    case needsAttention(reason: String, subject: AttentionSubject)
    /// Reporting `outcome` to the platform's status sink.
    /// Next: `succeeded`, `failed` or `cancelled` (reported), `retryWait` or `needsAttention`
    /// (report failed).
    case reporting(outcome: RunOutcome, attempt: Int, intent: IntentID)
    /// Terminal: the job was done and reported.
    case succeeded
    /// Terminal: the run failed, its sandbox is gone and the failure was reported.
    case failed(FailureReason)
    /// Terminal: the run was cancelled, its sandbox is gone and the cancellation was reported.
    case cancelled(reason: String)

    /// The definition's name of the state.
    public var name: String {
        switch self {
        case .queued: "queued"
        case .provisioning: "provisioning"
        case .running: "running"
        case .awaitingModel: "awaitingModel"
        case .runningTools: "runningTools"
        case .retryWait: "retryWait"
        case .collecting: "collecting"
        case .tearingDown: "tearingDown"
        case .compensating: "compensating"
        case .needsAttention: "needsAttention"
        case .reporting: "reporting"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    /// The sandbox the run holds in this state, if known.
    public var sandbox: SandboxID? {
        switch self {
        case .queued, .provisioning, .reporting, .succeeded, .failed, .cancelled:
            nil
        case .running(_, _, let sandbox, _), .awaitingModel(_, _, let sandbox, _, _),
            .runningTools(_, _, _, let sandbox, _, _), .collecting(let sandbox, _), .tearingDown(let sandbox, _, _),
            .compensating(_, let sandbox, _, _):
            sandbox
        case .retryWait(let target, _):
            target.sandbox
        case .needsAttention(_, let subject):
            switch subject {
            case .step(_, _, let sandbox), .release(let sandbox, _): sandbox
            case .report: nil
            }
        }
    }
}

extension SandboxJobState: JSONCodable {
    /// Decodes the tagged form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, f) = try json.tagged()
        switch name {
        case "queued":
            self = .queued
        case "provisioning":
            self = .provisioning(attempt: try f.int("attempt"), intent: try f.decode("intent"), stop: try f.optionalDecode("stop"))
        case "running":
            self = .running(step: try f.int("step"), attempt: try f.int("attempt"), sandbox: try f.decode("sandbox"), intent: try f.decode("intent"))
        case "awaitingModel":
            self = .awaitingModel(
                turn: try f.int("turn"),
                attempt: try f.int("attempt"),
                sandbox: try f.decode("sandbox"),
                usage: try f.decode("usage"),
                intent: try f.decode("intent")
            )
        case "runningTools":
            self = .runningTools(
                turn: try f.int("turn"),
                calls: try f.array("calls"),
                next: try f.int("next"),
                sandbox: try f.decode("sandbox"),
                usage: try f.decode("usage"),
                intent: try f.decode("intent")
            )
        case "retryWait":
            self = .retryWait(try f.decode("target"), notBefore: try f.decode("notBefore"))
        case "collecting":
            self = .collecting(sandbox: try f.decode("sandbox"), intent: try f.decode("intent"))
        case "tearingDown":
            self = .tearingDown(sandbox: try f.decode("sandbox"), attempt: try f.int("attempt"), intent: try f.decode("intent"))
        case "compensating":
            self = .compensating(
                outcome: try f.decode("outcome"),
                sandbox: try f.decode("sandbox"),
                attempt: try f.int("attempt"),
                intent: try f.decode("intent")
            )
        case "needsAttention":
            self = .needsAttention(reason: try f.string("reason"), subject: try f.decode("subject"))
        case "reporting":
            self = .reporting(outcome: try f.decode("outcome"), attempt: try f.int("attempt"), intent: try f.decode("intent"))
        case "succeeded":
            self = .succeeded
        case "failed":
            self = .failed(try f.decode("reason"))
        case "cancelled":
            self = .cancelled(reason: try f.string("reason"))
        default:
            throw JSONDecodingError(path: "", problem: "unknown sandbox-job state '\(name)'")
        }
    }

    /// The tagged form, e.g. `{"running":{"attempt":1,"intent":"5/0","sandbox":"sbx-1","step":0}}`.
    public var json: JSONValue {
        switch self {
        case .queued:
            return .tagged(name)
        case .provisioning(let attempt, let intent, let stop):
            var fields: JSONObject = ["attempt": .int(Int64(attempt)), "intent": intent.json]
            if let stop { fields["stop"] = stop.json }
            return .tagged(name, fields)
        case .running(let step, let attempt, let sandbox, let intent):
            return .tagged(name, ["attempt": .int(Int64(attempt)), "intent": intent.json, "sandbox": sandbox.json, "step": .int(Int64(step))])
        case .awaitingModel(let turn, let attempt, let sandbox, let usage, let intent):
            return .tagged(
                name,
                ["attempt": .int(Int64(attempt)), "intent": intent.json, "sandbox": sandbox.json, "turn": .int(Int64(turn)), "usage": usage.json]
            )
        case .runningTools(let turn, let calls, let next, let sandbox, let usage, let intent):
            return .tagged(
                name,
                [
                    "calls": .array(calls.map(\.json)),
                    "intent": intent.json,
                    "next": .int(Int64(next)),
                    "sandbox": sandbox.json,
                    "turn": .int(Int64(turn)),
                    "usage": usage.json,
                ]
            )
        case .retryWait(let target, let notBefore):
            return .tagged(name, ["notBefore": notBefore.json, "target": target.json])
        case .collecting(let sandbox, let intent):
            return .tagged(name, ["intent": intent.json, "sandbox": sandbox.json])
        case .tearingDown(let sandbox, let attempt, let intent):
            return .tagged(name, ["attempt": .int(Int64(attempt)), "intent": intent.json, "sandbox": sandbox.json])
        case .compensating(let outcome, let sandbox, let attempt, let intent):
            return .tagged(name, ["attempt": .int(Int64(attempt)), "intent": intent.json, "outcome": outcome.json, "sandbox": sandbox.json])
        case .needsAttention(let reason, let subject):
            return .tagged(name, ["reason": .string(reason), "subject": subject.json])
        case .reporting(let outcome, let attempt, let intent):
            return .tagged(name, ["attempt": .int(Int64(attempt)), "intent": intent.json, "outcome": outcome.json])
        case .succeeded:
            return .tagged(name)
        case .failed(let reason):
            return .tagged(name, ["reason": reason.json])
        case .cancelled(let reason):
            return .tagged(name, ["reason": .string(reason)])
        }
    }
}
