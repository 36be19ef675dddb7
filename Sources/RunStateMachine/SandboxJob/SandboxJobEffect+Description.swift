extension SandboxJobEffect: CustomStringConvertible {
    /// The effect in words, e.g. `run step 2 (attempt 1) in sbx-1`.
    public var description: String {
        switch self {
        case .createSandbox(let attempt): "create a sandbox (attempt \(attempt))"
        case .runStep(let sandbox, let index, let attempt): "run step \(index &+ 1) (attempt \(attempt)) in \(sandbox)"
        case .callModel(_, let turn, let attempt): "call the model for turn \(turn) (attempt \(attempt))"
        case .runTool(let sandbox, let turn, let index, let call): "run tool \(call.name) (\(call.id), turn \(turn) #\(index &+ 1)) in \(sandbox)"
        case .collectArtifacts(let sandbox): "collect artifacts from \(sandbox)"
        case .killSandbox(let sandbox): "kill \(sandbox)"
        case .reportStatus(let outcome): "report '\(outcome.status)'"
        }
    }
}
