extension SandboxJobState: CustomStringConvertible {
    /// The state in words, e.g. `running step 2, attempt 1, in sbx-1`.
    public var description: String {
        switch self {
        case .queued:
            return "queued"
        case .provisioning(let attempt, _, let stop):
            let stopping = stop.map { ", then stopping (\($0.outcome))" } ?? ""
            return "provisioning a sandbox (attempt \(attempt))\(stopping)"
        case .running(let step, let attempt, let sandbox, _):
            return "running step \(step &+ 1), attempt \(attempt), in \(sandbox)"
        case .awaitingModel(let turn, let attempt, _, let usage, _):
            return "waiting for the model, turn \(turn), attempt \(attempt) (\(usage.total) tokens so far)"
        case .runningTools(let turn, let calls, let next, _, _, _):
            let name = calls.indices.contains(next) ? calls[next].name : "?"
            return "running tool \(next &+ 1) of \(calls.count) of turn \(turn): \(name)"
        case .retryWait(let target, let notBefore):
            let what: String
            switch target {
            case .provision(let attempt): what = "sandbox creation attempt \(attempt)"
            case .step(let index, let attempt, _): what = "step \(index &+ 1) attempt \(attempt)"
            case .model(let turn, let attempt, _, _): what = "model call of turn \(turn), attempt \(attempt)"
            case .release(let sandbox, let attempt, _): what = "killing \(sandbox), attempt \(attempt)"
            case .report(_, let attempt): what = "reporting, attempt \(attempt)"
            }
            return "waiting until \(notBefore) to retry \(what)"
        case .collecting(let sandbox, _):
            return "collecting artifacts from \(sandbox)"
        case .tearingDown(let sandbox, let attempt, _):
            return "killing \(sandbox) (attempt \(attempt))"
        case .compensating(let outcome, let sandbox, let attempt, _):
            return "killing \(sandbox) (attempt \(attempt)) after: \(outcome)"
        case .needsAttention(let reason, _):
            return "needs attention: \(reason)"
        case .reporting(let outcome, let attempt, _):
            return "reporting '\(outcome.status)' (attempt \(attempt))"
        case .succeeded:
            return "succeeded"
        case .failed(let reason):
            return "failed: \(reason)"
        case .cancelled(let reason):
            return "cancelled: \(reason)"
        }
    }
}
