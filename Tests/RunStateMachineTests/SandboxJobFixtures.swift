import RunStateMachine

/// Shared values for the sandbox-job tests.
enum Fixture {
    static let t0 = Timestamp(milliseconds: 1_800_000_000_000)
    static let t1 = t0.adding(seconds: 10)
    static let deadline = t0.adding(seconds: 3600)
    static let sandbox = SandboxID("sbx-1")
    /// The intent every sample state awaits (if it awaits one).
    static let awaited = IntentID(seq: 4, index: 0)
    /// The run sequence number of the transition under test, so new intents are `9/0`.
    static let seq = 9

    /// Two steps: `build` (not idempotent, two attempts, 1 s backoff) and `test` (idempotent).
    static let shellSpec = JobSpec(
        kind: .shell,
        deadlineSeconds: 3600,
        steps: [
            StepSpec(name: "build", run: "make", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 2, backoffMilliseconds: 1000)),
            StepSpec(name: "test", run: "make test", timeoutSeconds: 60, idempotent: true),
        ]
    )
    static let agentSpec = JobSpec(
        kind: .agent,
        deadlineSeconds: 3600,
        agent: AgentSpec(model: "claude-sonnet-4-5", prompt: "p", maxTurns: 3, tokenBudget: 10_000)
    )
    static let shell = SandboxJob(input: shellSpec, submittedAt: t0)
    static let agent = SandboxJob(input: agentSpec, submittedAt: t0)

    static let calls = [ToolCallRef(id: "toolu_1", name: "shell"), ToolCallRef(id: "toolu_2", name: "read_file")]
    static let usage = TokenUsage(input: 100, output: 20)

    static func response(_ stopReason: String, calls: [ToolCallRef] = [], usage: TokenUsage = TokenUsage(input: 10, output: 5)) -> ModelResponse {
        var blocks: [JSONValue] = [["type": "text", "text": "ok"]]
        blocks += calls.map { ["type": "tool_use", "id": .string($0.id), "name": .string($0.name), "input": ["command": "ls"]] }
        return ModelResponse(id: "msg_1", requestID: "req_1", stopReason: stopReason, content: .array(blocks), usage: usage)
    }

    static let success = StepResult(exit: .exited(code: 0))
    static let failure = StepResult(exit: .exited(code: 2))

    /// An intent of the transition under test.
    static func intent(_ effect: SandboxJobEffect, _ policy: RecoveryPolicy, index: Int = 0) -> EffectIntent<SandboxJobEffect> {
        EffectIntent(id: IntentID(seq: seq, index: index), effect: effect, policy: policy)
    }

    /// The new intent id of the transition under test.
    static let new = IntentID(seq: seq, index: 0)
}

/// A labelled sample state and the job it belongs to.
struct StateSample: Sendable, CustomStringConvertible {
    let label: String
    let job: SandboxJob
    let state: SandboxJobState
    var description: String { label }

    /// One sample for every state of the definition.
    static let all: [StateSample] = {
        let f = Fixture.self
        let i = f.awaited
        return [
            .init(label: "queued", job: f.shell, state: .queued),
            .init(label: "provisioning", job: f.shell, state: .provisioning(attempt: 1, intent: i, stop: nil)),
            .init(label: "running", job: f.shell, state: .running(step: 0, attempt: 1, sandbox: f.sandbox, intent: i)),
            .init(label: "awaitingModel", job: f.agent, state: .awaitingModel(turn: 1, attempt: 1, sandbox: f.sandbox, usage: TokenUsage(), intent: i)),
            .init(label: "runningTools", job: f.agent, state: .runningTools(turn: 1, calls: f.calls, next: 0, sandbox: f.sandbox, usage: f.usage, intent: i)),
            .init(label: "retryWait", job: f.shell, state: .retryWait(.step(index: 0, attempt: 2, sandbox: f.sandbox), notBefore: f.t1.adding(seconds: 1))),
            .init(label: "collecting", job: f.shell, state: .collecting(sandbox: f.sandbox, intent: i)),
            .init(label: "tearingDown", job: f.shell, state: .tearingDown(sandbox: f.sandbox, attempt: 1, intent: i)),
            .init(label: "compensating", job: f.shell, state: .compensating(outcome: .failed(.deadlineExceeded), sandbox: f.sandbox, attempt: 1, intent: i)),
            .init(label: "needsAttention", job: f.shell, state: .needsAttention(reason: "why", subject: .step(index: 0, attempt: 1, sandbox: f.sandbox))),
            .init(label: "reporting", job: f.shell, state: .reporting(outcome: .succeeded, attempt: 1, intent: i)),
            .init(label: "succeeded", job: f.shell, state: .succeeded),
            .init(label: "failed", job: f.shell, state: .failed(.deadlineExceeded)),
            .init(label: "cancelled", job: f.shell, state: .cancelled(reason: "user")),
        ]
    }()
}

/// One sample of every event of the definition; outcome events answer ``Fixture/awaited``.
enum EventSample {
    static let all: [SandboxJobEvent] = {
        let f = Fixture.self
        let i = f.awaited
        return [
            .start,
            .sandboxCreated(intent: i, sandbox: f.sandbox),
            .sandboxCreateFailed(intent: i, reason: "quota", retryable: true, at: f.t1),
            .stepFinished(intent: i, result: f.success, at: f.t1),
            .modelResponded(intent: i, response: f.response("end_turn")),
            .modelCallFailed(intent: i, reason: "overloaded", retryable: true, retryAfterMilliseconds: nil, at: f.t1),
            .toolFinished(intent: i, result: ToolResult(isError: false, content: "ok")),
            .collected(intent: i, artifacts: []),
            .collectFailed(intent: i, reason: "disk full"),
            .sandboxReleased(intent: i),
            .sandboxReleaseFailed(intent: i, reason: "api down", at: f.t1),
            .statusReported(intent: i),
            .statusReportFailed(intent: i, reason: "503", retryable: true, at: f.t1),
            .effectInDoubt(intent: i, reason: "worker died"),
            .retryDue(at: f.t1.adding(seconds: 5)),
            .deadlineReached(at: f.deadline),
            .cancelRequested(reason: "user"),
            .operatorResolved(resolution: .retry, note: "checked by hand"),
        ]
    }()
}
