import RunStateMachine

/// A fixed, wide sample of the sandbox-job machine's behaviour: every sample job × every sample
/// state × every sample event, each mapped to the exact checked transition (state, intents with
/// policies, abandoned intents) or the refusal's code, one canonical line each.
///
/// Its digest, per revision, is pinned in ``MachineRevisionTests``: a released revision's
/// behaviour may never change, so the digest of revision 1 is the same in every later build.
/// The samples are part of that pin: do not edit them; a later revision that adds events or
/// states extends the corpus for itself (``lines(revision:)`` takes the revision).
enum BehaviourCorpus {
    static let t0 = Timestamp(milliseconds: 1_800_000_000_000)
    static let t1 = t0.adding(seconds: 10)
    static let sandbox = SandboxID("sbx-c")
    /// The intent sample states await.
    static let awaited = IntentID(seq: 4, index: 0)
    /// An intent no sample state awaits.
    static let stale = IntentID(seq: 3, index: 0)
    /// The run sequence number of every transition sampled.
    static let seq = 9

    static let jobs: [(label: String, spec: JobSpec)] = [
        (
            "shell-2",
            JobSpec(
                kind: .shell,
                deadlineSeconds: 3600,
                steps: [
                    StepSpec(name: "build", run: "make", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 2, backoffMilliseconds: 1000)),
                    StepSpec(name: "test", run: "make test", timeoutSeconds: 60, idempotent: true),
                ]
            )
        ),
        (
            "shell-collect",
            JobSpec(
                kind: .shell,
                deadlineSeconds: 600,
                steps: [StepSpec(name: "only", run: "true", timeoutSeconds: 30, retry: RetryPolicy(maxAttempts: 3, backoffMilliseconds: 5000), idempotent: true)],
                collect: ["out"]
            )
        ),
        ("agent-3", JobSpec(kind: .agent, deadlineSeconds: 3600, agent: AgentSpec(model: "m", prompt: "p", maxTurns: 3, tokenBudget: 10_000))),
        ("agent-1", JobSpec(kind: .agent, deadlineSeconds: 120, agent: AgentSpec(model: "m", prompt: "p", maxTurns: 1))),
    ]

    static let calls = [ToolCallRef(id: "toolu_1", name: "shell"), ToolCallRef(id: "toolu_2", name: "read_file")]

    static let outcomes: [RunOutcome] = [.succeeded, .failed(.deadlineExceeded), .cancelled(reason: "user")]

    static let states: [SandboxJobState] = {
        let s = sandbox
        let i = awaited
        var states: [SandboxJobState] = [.queued]
        for attempt in 1...3 {
            states.append(.provisioning(attempt: attempt, intent: i, stop: nil))
        }
        states.append(.provisioning(attempt: 1, intent: i, stop: .cancel(reason: "user")))
        states.append(.provisioning(attempt: 2, intent: i, stop: .deadline))
        for step in 0...2 {
            for attempt in 1...3 {
                states.append(.running(step: step, attempt: attempt, sandbox: s, intent: i))
            }
        }
        for turn in 1...3 {
            for attempt in [1, 5] {
                states.append(.awaitingModel(turn: turn, attempt: attempt, sandbox: s, usage: TokenUsage(input: 9000, output: 500), intent: i))
            }
            states.append(.runningTools(turn: turn, calls: calls, next: 0, sandbox: s, usage: TokenUsage(input: 100, output: 20), intent: i))
            states.append(.runningTools(turn: turn, calls: calls, next: 1, sandbox: s, usage: TokenUsage(input: 100, output: 20), intent: i))
        }
        let notBefore = t1.adding(seconds: 1)
        states += [
            .retryWait(.provision(attempt: 2), notBefore: notBefore),
            .retryWait(.step(index: 0, attempt: 2, sandbox: s), notBefore: notBefore),
            .retryWait(.step(index: 1, attempt: 3, sandbox: s), notBefore: notBefore),
            .retryWait(.model(turn: 2, attempt: 2, sandbox: s, usage: TokenUsage(input: 5, output: 5)), notBefore: notBefore),
        ]
        for outcome in outcomes {
            states.append(.retryWait(.release(sandbox: s, attempt: 2, outcome: outcome), notBefore: notBefore))
            states.append(.retryWait(.report(outcome: outcome, attempt: 3), notBefore: notBefore))
            states.append(.compensating(outcome: outcome, sandbox: s, attempt: 1, intent: i))
            states.append(.compensating(outcome: outcome, sandbox: s, attempt: 5, intent: i))
            states.append(.reporting(outcome: outcome, attempt: 1, intent: i))
            states.append(.reporting(outcome: outcome, attempt: 8, intent: i))
            states.append(.needsAttention(reason: "why", subject: .release(sandbox: s, outcome: outcome)))
            states.append(.needsAttention(reason: "why", subject: .report(outcome: outcome)))
        }
        states += [
            .collecting(sandbox: s, intent: i),
            .tearingDown(sandbox: s, attempt: 1, intent: i),
            .tearingDown(sandbox: s, attempt: 5, intent: i),
            .needsAttention(reason: "why", subject: .step(index: 0, attempt: 1, sandbox: s)),
            .needsAttention(reason: "why", subject: .step(index: 1, attempt: 2, sandbox: s)),
            .succeeded,
            .failed(.deadlineExceeded),
            .cancelled(reason: "user"),
        ]
        return states
    }()

    static func response(_ stopReason: String, calls: [ToolCallRef], usage: TokenUsage) -> ModelResponse {
        var blocks: [JSONValue] = [["type": "text", "text": "ok"]]
        blocks += calls.map { ["type": "tool_use", "id": .string($0.id), "name": .string($0.name), "input": ["command": "ls"]] }
        return ModelResponse(id: "msg_1", requestID: "req_1", stopReason: stopReason, content: .array(blocks), usage: usage)
    }

    static let events: [SandboxJobEvent] = {
        let i = awaited
        let small = TokenUsage(input: 10, output: 5)
        var events: [SandboxJobEvent] = [
            .start,
            .sandboxCreated(intent: i, sandbox: sandbox),
            .sandboxCreated(intent: stale, sandbox: sandbox),
            .sandboxCreateFailed(intent: i, reason: "quota", retryable: true, at: t1),
            .sandboxCreateFailed(intent: i, reason: "bad template", retryable: false, at: t1),
            .modelResponded(intent: i, response: response("end_turn", calls: [], usage: small)),
            .modelResponded(intent: i, response: response("tool_use", calls: calls, usage: small)),
            .modelResponded(intent: i, response: response("tool_use", calls: calls, usage: TokenUsage(input: 2000, output: 10))),
            .modelResponded(intent: i, response: response("tool_use", calls: [], usage: small)),
            .modelResponded(intent: i, response: response("max_tokens", calls: [], usage: small)),
            .modelCallFailed(intent: i, reason: "overloaded", retryable: true, retryAfterMilliseconds: nil, at: t1),
            .modelCallFailed(intent: i, reason: "overloaded", retryable: true, retryAfterMilliseconds: 30_000, at: t1),
            .modelCallFailed(intent: i, reason: "invalid", retryable: false, retryAfterMilliseconds: nil, at: t1),
            .toolFinished(intent: i, result: ToolResult(isError: false, content: "ok")),
            .toolFinished(intent: i, result: ToolResult(isError: true, content: "no", sandboxLost: "gone")),
            .collected(intent: i, artifacts: [ArtifactDigest(path: "out", bytes: 3, sha256: String(repeating: "a", count: 64))]),
            .collectFailed(intent: i, reason: "disk full"),
            .sandboxReleased(intent: i),
            .sandboxReleased(intent: stale),
            .sandboxReleaseFailed(intent: i, reason: "api down", at: t1),
            .statusReported(intent: i),
            .statusReportFailed(intent: i, reason: "503", retryable: true, at: t1),
            .statusReportFailed(intent: i, reason: "400", retryable: false, at: t1),
            .effectInDoubt(intent: i, reason: "worker died"),
            .retryDue(at: t1),
            .retryDue(at: t1.adding(seconds: 1)),
            .deadlineReached(at: t0.adding(seconds: 60)),
            .deadlineReached(at: t0.adding(seconds: 3600)),
            .cancelRequested(reason: "user"),
        ]
        for exit in [StepExit.exited(code: 0), .exited(code: 2), .signaled(signal: 9), .timedOut, .sandboxLost(reason: "gone"), .failedToStart(reason: "no secret")] {
            events.append(.stepFinished(intent: i, result: StepResult(exit: exit, durationMilliseconds: 5), at: t1))
        }
        for resolution in [Resolution.retry, .skip, .fail] {
            events.append(.operatorResolved(resolution: resolution, note: "checked"))
        }
        return events
    }()

    /// One canonical line per (job, state, event) for `revision`.
    static func lines(revision: Int) -> [String] {
        var lines: [String] = []
        for (label, spec) in jobs {
            let job = SandboxJob(input: spec, submittedAt: t0, revision: revision)
            for (stateIndex, state) in states.enumerated() {
                for (eventIndex, event) in events.enumerated() {
                    let result: JSONValue
                    do {
                        let transition = try job.checkedTransition(from: state, on: event, seq: seq)
                        result = [
                            "state": transition.state.json,
                            "intents": .array(transition.intents.map(\.json)),
                            "abandons": .array(transition.abandons.map(\.json)),
                        ]
                    } catch {
                        result = ["refused": .string(error.code.rawValue)]
                    }
                    lines.append("\(label)|\(stateIndex)|\(eventIndex)|\(result.canonicalString)")
                }
            }
        }
        return lines
    }
}
