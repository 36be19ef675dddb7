extension SandboxJobEvent: CustomStringConvertible {
    /// The event in words, e.g. `step finished: exit 0 after 12 ms`.
    public var description: String {
        switch self {
        case .start: return "a worker started the run"
        case .sandboxCreated(_, let sandbox): return "sandbox \(sandbox) created"
        case .sandboxCreateFailed(_, let reason, let retryable, _): return "sandbox creation failed\(retryable ? " (retryable)" : ""): \(reason)"
        case .stepFinished(_, let result, _):
            return "step finished: \(result.exit) after \(result.durationMilliseconds) ms, stdout \(result.stdout.bytes) B, stderr \(result.stderr.bytes) B"
        case .modelResponded(_, let response):
            let calls = response.toolCalls.map(\.name)
            let tools = calls.isEmpty ? "" : ", tools: \(calls.joined(separator: ", "))"
            return "model responded (\(response.stopReason), \(response.usage.input) in / \(response.usage.output) out tokens\(tools))"
        case .modelCallFailed(_, let reason, let retryable, _, _): return "model call failed\(retryable ? " (retryable)" : ""): \(reason)"
        case .toolFinished(_, let result): return "tool finished\(result.isError ? " with an error" : ""): \(result.content.prefix(60))"
        case .collected(_, let artifacts): return "collected \(artifacts.count) artifact(s)"
        case .collectFailed(_, let reason): return "collecting failed: \(reason)"
        case .sandboxReleased: return "sandbox gone"
        case .sandboxReleaseFailed(_, let reason, _): return "killing the sandbox failed: \(reason)"
        case .statusReported: return "status reported"
        case .statusReportFailed(_, let reason, let retryable, _): return "reporting failed\(retryable ? " (retryable)" : ""): \(reason)"
        case .effectInDoubt(_, let reason): return "outcome unknown: \(reason)"
        case .retryDue: return "retry due"
        case .deadlineReached: return "deadline reached"
        case .cancelRequested(let reason): return "cancel requested: \(reason)"
        case .operatorResolved(let resolution, let note): return "operator chose '\(resolution.rawValue)'\(note.isEmpty ? "" : ": \(note)")"
        }
    }
}
