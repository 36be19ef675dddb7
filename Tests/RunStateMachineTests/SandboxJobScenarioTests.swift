import RunStateMachine
import Testing

/// The variants the one-sample-per-state table cannot show: retries left or exhausted, the last
/// step, collect paths, stops noted during provisioning, premature timers, every resolution, and
/// the agent's limits.
@Suite("SandboxJob: scenarios beyond the table")
struct SandboxJobScenarioTests {
    enum Expected: Sendable {
        case to(Transition<SandboxJob>)
        case refused(IllegalTransition.Code)
    }

    struct Scenario: Sendable, CustomStringConvertible {
        let name: String
        let job: SandboxJob
        let state: SandboxJobState
        let event: SandboxJobEvent
        let expected: Expected
        var description: String { name }
    }

    static let collectingShell = SandboxJob(
        input: { var spec = Fixture.shellSpec; spec.collect = ["out/report.txt"]; return spec }(),
        submittedAt: Fixture.t0
    )
    static let collectingAgent = SandboxJob(
        input: { var spec = Fixture.agentSpec; spec.collect = ["answer.md"]; return spec }(),
        submittedAt: Fixture.t0
    )

    static let all: [Scenario] = {
        let f = Fixture.self
        let s = f.sandbox
        let i = f.awaited
        let n = f.new
        let late = RunOutcome.failed(.deadlineExceeded)
        let cancelled = RunOutcome.cancelled(reason: "user")
        let kill = f.intent(.killSandbox(sandbox: s), .idempotent)
        func to(_ state: SandboxJobState, _ intents: [EffectIntent<SandboxJobEffect>] = [], abandons: [IntentID] = []) -> Expected {
            .to(Transition(state: state, intents: intents, abandons: abandons))
        }
        func compensating(_ outcome: RunOutcome, attempt: Int = 1) -> Expected {
            to(.compensating(outcome: outcome, sandbox: s, attempt: attempt, intent: n), [kill])
        }
        func reporting(_ outcome: RunOutcome) -> Expected {
            to(.reporting(outcome: outcome, attempt: 1, intent: n), [f.intent(.reportStatus(outcome: outcome), .idempotent)])
        }
        func scenario(_ name: String, _ job: SandboxJob, _ state: SandboxJobState, _ event: SandboxJobEvent, _ expected: Expected) -> Scenario {
            Scenario(name: name, job: job, state: state, event: event, expected: expected)
        }
        func scenario(_ name: String, _ state: SandboxJobState, _ event: SandboxJobEvent, _ expected: Expected) -> Scenario {
            Scenario(name: name, job: f.shell, state: state, event: event, expected: expected)
        }
        let running0 = SandboxJobState.running(step: 0, attempt: 1, sandbox: s, intent: i)
        let running1 = SandboxJobState.running(step: 1, attempt: 1, sandbox: s, intent: i)
        let awaiting = SandboxJobState.awaitingModel(turn: 1, attempt: 1, sandbox: s, usage: TokenUsage(), intent: i)
        let lastTool = SandboxJobState.runningTools(turn: 1, calls: f.calls, next: 1, sandbox: s, usage: f.usage, intent: i)
        let lastToolLastTurn = SandboxJobState.runningTools(turn: 3, calls: f.calls, next: 1, sandbox: s, usage: f.usage, intent: i)
        let stepParked = SandboxJobState.needsAttention(reason: "why", subject: .step(index: 0, attempt: 1, sandbox: s))
        let lastStepParked = SandboxJobState.needsAttention(reason: "why", subject: .step(index: 1, attempt: 1, sandbox: s))
        let nextModel = f.intent(.callModel(sandbox: s, turn: 2, attempt: 1), .idempotent)

        return [
            // Shell steps.
            scenario("a failed step with attempts left waits for its backoff", running0,
                     .stepFinished(intent: i, result: f.failure, at: f.t1),
                     to(.retryWait(.step(index: 0, attempt: 2, sandbox: s), notBefore: f.t1.adding(milliseconds: 1000)))),
            scenario("a timed-out step with attempts left is retried too", running0,
                     .stepFinished(intent: i, result: StepResult(exit: .timedOut), at: f.t1),
                     to(.retryWait(.step(index: 0, attempt: 2, sandbox: s), notBefore: f.t1.adding(milliseconds: 1000)))),
            scenario("a failed step on its last attempt fails the run and kills the sandbox",
                     .running(step: 0, attempt: 2, sandbox: s, intent: i), .stepFinished(intent: i, result: f.failure, at: f.t1),
                     compensating(.failed(.stepFailed(step: 0, exit: .exited(code: 2))))),
            scenario("a lost sandbox fails the run without retry", running0,
                     .stepFinished(intent: i, result: StepResult(exit: .sandboxLost(reason: "lease expired")), at: f.t1),
                     compensating(.failed(.sandboxLost(reason: "lease expired")))),
            scenario("the last step done tears the sandbox down", running1, .stepFinished(intent: i, result: f.success, at: f.t1),
                     to(.tearingDown(sandbox: s, attempt: 1, intent: n), [kill])),
            scenario("the last step done collects artifacts first when the spec asks", collectingShell, running1,
                     .stepFinished(intent: i, result: f.success, at: f.t1),
                     to(.collecting(sandbox: s, intent: n), [f.intent(.collectArtifacts(sandbox: s), .idempotent)])),
            scenario("an idempotent step whose outcome is unknown simply runs again", running1, .effectInDoubt(intent: i, reason: "worker died"),
                     to(.running(step: 1, attempt: 2, sandbox: s, intent: n), [f.intent(.runStep(sandbox: s, index: 1, attempt: 2), .idempotent)])),
            scenario("an outcome for another intent is stale", running0,
                     .stepFinished(intent: IntentID(seq: 3, index: 0), result: f.success, at: f.t1), .refused(.staleOutcome)),
            scenario("a step index the job does not have is refused", .running(step: 5, attempt: 1, sandbox: s, intent: i),
                     .stepFinished(intent: i, result: f.success, at: f.t1), .refused(.invalidEvent)),

            // Provisioning.
            scenario("creation fails on the last attempt: the run fails, nothing to kill",
                     .provisioning(attempt: 3, intent: i, stop: nil), .sandboxCreateFailed(intent: i, reason: "quota", retryable: true, at: f.t1),
                     reporting(.failed(.sandboxUnavailable(reason: "quota")))),
            scenario("a non-retryable creation failure fails at once",
                     .provisioning(attempt: 1, intent: i, stop: nil), .sandboxCreateFailed(intent: i, reason: "bad template", retryable: false, at: f.t1),
                     reporting(.failed(.sandboxUnavailable(reason: "bad template")))),
            scenario("a cancel noted during provisioning kills the sandbox once it exists",
                     .provisioning(attempt: 1, intent: i, stop: .cancel(reason: "user")), .sandboxCreated(intent: i, sandbox: s),
                     compensating(cancelled)),
            scenario("a deadline noted during provisioning reports failure if no sandbox came",
                     .provisioning(attempt: 1, intent: i, stop: .deadline), .sandboxCreateFailed(intent: i, reason: "quota", retryable: true, at: f.t1),
                     reporting(late)),
            scenario("a second stop during provisioning is refused",
                     .provisioning(attempt: 1, intent: i, stop: .cancel(reason: "user")), .cancelRequested(reason: "again"), .refused(.notAccepted)),
            scenario("an agent's sandbox starts the first model turn", f.agent, .provisioning(attempt: 1, intent: i, stop: nil),
                     .sandboxCreated(intent: i, sandbox: s),
                     to(.awaitingModel(turn: 1, attempt: 1, sandbox: s, usage: TokenUsage(), intent: n), [f.intent(.callModel(sandbox: s, turn: 1, attempt: 1), .idempotent)])),

            // Timers.
            scenario("a deadline event before the deadline is premature", .queued, .deadlineReached(at: f.deadline.adding(milliseconds: -1)),
                     .refused(.premature)),
            scenario("a retry event before its time is premature",
                     .retryWait(.provision(attempt: 2), notBefore: f.t1), .retryDue(at: f.t1.adding(milliseconds: -1)), .refused(.premature)),
            scenario("a due provisioning retry creates the sandbox again", .retryWait(.provision(attempt: 2), notBefore: f.t1), .retryDue(at: f.t1),
                     to(.provisioning(attempt: 2, intent: n, stop: nil), [f.intent(.createSandbox(attempt: 2), .reconcile)])),
            scenario("cancel while waiting to provision reports the cancel", .retryWait(.provision(attempt: 2), notBefore: f.t1),
                     .cancelRequested(reason: "user"), reporting(cancelled)),
            scenario("the deadline while waiting to provision reports the failure", .retryWait(.provision(attempt: 2), notBefore: f.t1),
                     .deadlineReached(at: f.deadline), reporting(late)),
            scenario("a due kill retry of a successful run tears down again",
                     .retryWait(.release(sandbox: s, attempt: 2, outcome: .succeeded), notBefore: f.t1), .retryDue(at: f.t1),
                     to(.tearingDown(sandbox: s, attempt: 2, intent: n), [kill])),
            scenario("a due kill retry of a failed run compensates again",
                     .retryWait(.release(sandbox: s, attempt: 2, outcome: late), notBefore: f.t1), .retryDue(at: f.t1), compensating(late, attempt: 2)),
            scenario("a due report retry reports again",
                     .retryWait(.report(outcome: .succeeded, attempt: 2), notBefore: f.t1), .retryDue(at: f.t1),
                     to(.reporting(outcome: .succeeded, attempt: 2, intent: n), [f.intent(.reportStatus(outcome: .succeeded), .idempotent)])),
            scenario("cancel while the outcome is decided is refused",
                     .retryWait(.release(sandbox: s, attempt: 2, outcome: .succeeded), notBefore: f.t1), .cancelRequested(reason: "user"),
                     .refused(.notAccepted)),
            scenario("a due model retry calls the model again", f.agent,
                     .retryWait(.model(turn: 1, attempt: 2, sandbox: s, usage: f.usage), notBefore: f.t1), .retryDue(at: f.t1),
                     to(.awaitingModel(turn: 1, attempt: 2, sandbox: s, usage: f.usage, intent: n), [f.intent(.callModel(sandbox: s, turn: 1, attempt: 2), .idempotent)])),

            // Finishing.
            scenario("a kill failing on its last attempt parks the run", .tearingDown(sandbox: s, attempt: 5, intent: i),
                     .sandboxReleaseFailed(intent: i, reason: "api down", at: f.t1),
                     to(.needsAttention(reason: "sandbox sbx-1 could not be killed after 5 attempts (its lease will expire): api down",
                                        subject: .release(sandbox: s, outcome: .succeeded)))),
            scenario("a compensation kill failing on its last attempt parks the run",
                     .compensating(outcome: late, sandbox: s, attempt: 5, intent: i), .sandboxReleaseFailed(intent: i, reason: "api down", at: f.t1),
                     to(.needsAttention(reason: "sandbox sbx-1 could not be killed after 5 attempts (its lease will expire): api down",
                                        subject: .release(sandbox: s, outcome: late)))),
            scenario("a reported failure ends failed", .reporting(outcome: late, attempt: 1, intent: i), .statusReported(intent: i),
                     to(.failed(.deadlineExceeded))),
            scenario("a reported cancel ends cancelled", .reporting(outcome: cancelled, attempt: 1, intent: i), .statusReported(intent: i),
                     to(.cancelled(reason: "user"))),
            scenario("reporting failing on its last attempt parks the run", .reporting(outcome: .succeeded, attempt: 8, intent: i),
                     .statusReportFailed(intent: i, reason: "503", retryable: true, at: f.t1),
                     to(.needsAttention(reason: "reporting 'succeeded' failed after 8 attempts: 503", subject: .report(outcome: .succeeded)))),
            scenario("a non-retryable report failure parks the run at once", .reporting(outcome: .succeeded, attempt: 1, intent: i),
                     .statusReportFailed(intent: i, reason: "400 bad column", retryable: false, at: f.t1),
                     to(.needsAttention(reason: "reporting 'succeeded' failed and the error is not retryable: 400 bad column",
                                        subject: .report(outcome: .succeeded)))),
            scenario("cancel during teardown is refused", .tearingDown(sandbox: s, attempt: 1, intent: i), .cancelRequested(reason: "user"),
                     .refused(.notAccepted)),

            // Resolutions.
            scenario("skip: the unknown step counts as done", stepParked, .operatorResolved(resolution: .skip, note: "it ran"),
                     to(.running(step: 1, attempt: 1, sandbox: s, intent: n), [f.intent(.runStep(sandbox: s, index: 1, attempt: 1), .idempotent)])),
            scenario("skip on the last step tears down", lastStepParked, .operatorResolved(resolution: .skip, note: "it ran"),
                     to(.tearingDown(sandbox: s, attempt: 1, intent: n), [kill])),
            scenario("skip on the last step collects first when asked", collectingShell, lastStepParked,
                     .operatorResolved(resolution: .skip, note: "it ran"),
                     to(.collecting(sandbox: s, intent: n), [f.intent(.collectArtifacts(sandbox: s), .idempotent)])),
            scenario("fail: the operator gives up", stepParked, .operatorResolved(resolution: .fail, note: "gave up"),
                     compensating(.failed(.abandoned(note: "gave up")))),
            scenario("retry a kill of a failed run", .needsAttention(reason: "why", subject: .release(sandbox: s, outcome: late)),
                     .operatorResolved(resolution: .retry, note: ""), compensating(late)),
            scenario("retry a kill of a successful run", .needsAttention(reason: "why", subject: .release(sandbox: s, outcome: .succeeded)),
                     .operatorResolved(resolution: .retry, note: ""), to(.tearingDown(sandbox: s, attempt: 1, intent: n), [kill])),
            scenario("skip a kill the operator did by hand", .needsAttention(reason: "why", subject: .release(sandbox: s, outcome: late)),
                     .operatorResolved(resolution: .skip, note: "killed by hand"), reporting(late)),
            scenario("fail is refused once the outcome is decided", .needsAttention(reason: "why", subject: .release(sandbox: s, outcome: late)),
                     .operatorResolved(resolution: .fail, note: ""), .refused(.invalidEvent)),
            scenario("retry a report", .needsAttention(reason: "why", subject: .report(outcome: late)),
                     .operatorResolved(resolution: .retry, note: ""), reporting(late)),
            scenario("skip a success report", .needsAttention(reason: "why", subject: .report(outcome: .succeeded)),
                     .operatorResolved(resolution: .skip, note: "told them"), to(.succeeded)),
            scenario("skip a failure report", .needsAttention(reason: "why", subject: .report(outcome: late)),
                     .operatorResolved(resolution: .skip, note: ""), to(.failed(.deadlineExceeded))),
            scenario("skip a cancel report", .needsAttention(reason: "why", subject: .report(outcome: cancelled)),
                     .operatorResolved(resolution: .skip, note: ""), to(.cancelled(reason: "user"))),
            scenario("cancel is refused while only the report is pending", .needsAttention(reason: "why", subject: .report(outcome: late)),
                     .cancelRequested(reason: "user"), .refused(.notAccepted)),

            // Agent loop.
            scenario("tool calls in the response run one by one, usage added", f.agent, awaiting,
                     .modelResponded(intent: i, response: f.response("tool_use", calls: f.calls)),
                     to(.runningTools(turn: 1, calls: f.calls, next: 0, sandbox: s, usage: TokenUsage(input: 10, output: 5), intent: n),
                        [f.intent(.runTool(sandbox: s, turn: 1, index: 0, call: f.calls[0]), .reconcile)])),
            scenario("over the token budget the run fails", f.agent, awaiting,
                     .modelResponded(intent: i, response: f.response("tool_use", calls: f.calls, usage: TokenUsage(input: 9000, output: 2000))),
                     compensating(.failed(.tokenBudget(used: 11_000, budget: 10_000)))),
            scenario("a response cut at max_tokens fails the run", f.agent, awaiting,
                     .modelResponded(intent: i, response: f.response("max_tokens")), compensating(.failed(.modelStopped(stopReason: "max_tokens")))),
            scenario("tool_use without tool calls fails the run", f.agent, awaiting,
                     .modelResponded(intent: i, response: f.response("tool_use")),
                     compensating(.failed(.modelStopped(stopReason: "tool_use without tool calls")))),
            scenario("the answer is collected when the spec asks", collectingAgent, awaiting,
                     .modelResponded(intent: i, response: f.response("end_turn")),
                     to(.collecting(sandbox: s, intent: n), [f.intent(.collectArtifacts(sandbox: s), .idempotent)])),
            scenario("model calls failing on the last attempt fail the run", f.agent,
                     .awaitingModel(turn: 1, attempt: 5, sandbox: s, usage: TokenUsage(), intent: i),
                     .modelCallFailed(intent: i, reason: "overloaded", retryable: true, retryAfterMilliseconds: nil, at: f.t1),
                     compensating(.failed(.modelFailed(reason: "overloaded")))),
            scenario("retry-after wins over a shorter backoff", f.agent, awaiting,
                     .modelCallFailed(intent: i, reason: "429", retryable: true, retryAfterMilliseconds: 30_000, at: f.t1),
                     to(.retryWait(.model(turn: 1, attempt: 2, sandbox: s, usage: TokenUsage()), notBefore: f.t1.adding(milliseconds: 30_000)))),
            scenario("the turn's last tool result starts the next turn", f.agent, lastTool,
                     .toolFinished(intent: i, result: ToolResult(isError: false, content: "ok")),
                     to(.awaitingModel(turn: 2, attempt: 1, sandbox: s, usage: f.usage, intent: n), [nextModel])),
            scenario("a tool whose sandbox is lost ends the run: no more tokens on a dead sandbox", f.agent, lastTool,
                     .toolFinished(intent: i, result: ToolResult(isError: true, content: "[sandbox lost: expired]", sandboxLost: "expired")),
                     compensating(.failed(.sandboxLost(reason: "expired")))),
            scenario("a tool of unknown outcome still lets the loop go on", f.agent, lastTool, .effectInDoubt(intent: i, reason: "worker died"),
                     to(.awaitingModel(turn: 2, attempt: 1, sandbox: s, usage: f.usage, intent: n), [nextModel])),
            scenario("after the last allowed turn the run fails", f.agent, lastToolLastTurn,
                     .toolFinished(intent: i, result: ToolResult(isError: false, content: "ok")), compensating(.failed(.turnLimit(maxTurns: 3)))),
            scenario("an unknown tool outcome on the last turn also ends it", f.agent, lastToolLastTurn,
                     .effectInDoubt(intent: i, reason: "worker died"), compensating(.failed(.turnLimit(maxTurns: 3)))),
        ]
    }()

    /// The `state|event` pairs these scenarios take legally, for the table's coverage check.
    static var coveredPairs: Set<String> {
        Set(all.compactMap { scenario in
            if case .to = scenario.expected { return "\(scenario.state.name)|\(scenario.event.name)" }
            return nil
        })
    }

    @Test("scenario", arguments: all)
    func scenario(_ scenario: Scenario) {
        let result = Result { () throws(IllegalTransition) in
            try scenario.job.checkedTransition(from: scenario.state, on: scenario.event, seq: Fixture.seq)
        }
        switch (result, scenario.expected) {
        case (.success(let actual), .to(let expected)):
            #expect(actual == expected)
        case (.failure(let error), .refused(let code)):
            #expect(error.code == code, "\(error)")
        case (.success(let actual), .refused(let code)):
            Issue.record("expected refusal \(code), got \(actual.state)")
        case (.failure(let error), .to(let expected)):
            Issue.record("expected \(expected.state), refused: \(error)")
        }
    }

    @Test("every edge of the definition is taken by the table or a scenario")
    func everyEdgeExercised() throws {
        var taken: Set<String> = []
        for scenario in Self.all {
            if case .success(let result) = Result(catching: { () throws(IllegalTransition) in
                try scenario.job.checkedTransition(from: scenario.state, on: scenario.event, seq: Fixture.seq)
            }) {
                taken.insert("\(scenario.state.name)|\(scenario.event.name)|\(result.state.name)")
            }
        }
        for (key, transition) in SandboxJobTransitionTableTests.legal {
            taken.insert("\(key)|\(transition.state.name)")
        }
        let declared = Set(SandboxJob.latest.definition.edges.map { "\($0.from)|\($0.event)|\($0.to)" })
        #expect(declared.subtracting(taken).sorted() == [])
    }
}
