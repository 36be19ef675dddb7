import RunStateMachine
import Testing

/// The spec of the sandbox-job machine as a table: for every sample state and every sample
/// event, either the exact transition (next state, intents with policies, abandoned intents)
/// or the refusal code.
@Suite("SandboxJob: exhaustive (state × event) table")
struct SandboxJobTransitionTableTests {
    typealias T = Transition<SandboxJob>

    static func t(_ state: SandboxJobState, _ intents: [EffectIntent<SandboxJobEffect>] = [], abandons: [IntentID] = []) -> T {
        T(state: state, intents: intents, abandons: abandons)
    }

    /// Every legal (state, event) pair among the samples, keyed `"state|event"`.
    static let legal: [String: T] = {
        let f = Fixture.self
        let s = f.sandbox
        let n = f.new
        let i = f.awaited
        let cancelled = RunOutcome.cancelled(reason: "user")
        let late = RunOutcome.failed(.deadlineExceeded)
        let kill = f.intent(.killSandbox(sandbox: s), .idempotent)
        func compensating(_ outcome: RunOutcome, abandoning: [IntentID]) -> T {
            t(.compensating(outcome: outcome, sandbox: s, attempt: 1, intent: n), [kill], abandons: abandoning)
        }
        return [
            "queued|start": t(.provisioning(attempt: 1, intent: n, stop: nil), [f.intent(.createSandbox(attempt: 1), .reconcile)]),
            "queued|cancelRequested": t(.reporting(outcome: cancelled, attempt: 1, intent: n), [f.intent(.reportStatus(outcome: cancelled), .idempotent)]),
            "queued|deadlineReached": t(.reporting(outcome: late, attempt: 1, intent: n), [f.intent(.reportStatus(outcome: late), .idempotent)]),

            "provisioning|sandboxCreated": t(.running(step: 0, attempt: 1, sandbox: s, intent: n), [f.intent(.runStep(sandbox: s, index: 0, attempt: 1), .reconcile)]),
            "provisioning|sandboxCreateFailed": t(.retryWait(.provision(attempt: 2), notBefore: f.t1.adding(milliseconds: 2000))),
            "provisioning|cancelRequested": t(.provisioning(attempt: 1, intent: i, stop: .cancel(reason: "user"))),
            "provisioning|deadlineReached": t(.provisioning(attempt: 1, intent: i, stop: .deadline)),

            "running|stepFinished": t(.running(step: 1, attempt: 1, sandbox: s, intent: n), [f.intent(.runStep(sandbox: s, index: 1, attempt: 1), .idempotent)]),
            "running|effectInDoubt": t(
                .needsAttention(
                    reason: "step 'build' (attempt 1) is not idempotent and whether it ran is unknown: worker died",
                    subject: .step(index: 0, attempt: 1, sandbox: s)
                )
            ),
            "running|cancelRequested": compensating(cancelled, abandoning: [i]),
            "running|deadlineReached": compensating(late, abandoning: [i]),

            "awaitingModel|modelResponded": t(.tearingDown(sandbox: s, attempt: 1, intent: n), [kill]),
            "awaitingModel|modelCallFailed": t(.retryWait(.model(turn: 1, attempt: 2, sandbox: s, usage: TokenUsage()), notBefore: f.t1.adding(milliseconds: 1000))),
            "awaitingModel|cancelRequested": compensating(cancelled, abandoning: [i]),
            "awaitingModel|deadlineReached": compensating(late, abandoning: [i]),

            "runningTools|toolFinished": t(
                .runningTools(turn: 1, calls: f.calls, next: 1, sandbox: s, usage: f.usage, intent: n),
                [f.intent(.runTool(sandbox: s, turn: 1, index: 1, call: f.calls[1]), .reconcile)]
            ),
            "runningTools|effectInDoubt": t(
                .runningTools(turn: 1, calls: f.calls, next: 1, sandbox: s, usage: f.usage, intent: n),
                [f.intent(.runTool(sandbox: s, turn: 1, index: 1, call: f.calls[1]), .reconcile)]
            ),
            "runningTools|cancelRequested": compensating(cancelled, abandoning: [i]),
            "runningTools|deadlineReached": compensating(late, abandoning: [i]),

            "retryWait|retryDue": t(.running(step: 0, attempt: 2, sandbox: s, intent: n), [f.intent(.runStep(sandbox: s, index: 0, attempt: 2), .reconcile)]),
            "retryWait|cancelRequested": compensating(cancelled, abandoning: []),
            "retryWait|deadlineReached": compensating(late, abandoning: []),

            "collecting|collected": t(.tearingDown(sandbox: s, attempt: 1, intent: n), [kill]),
            "collecting|collectFailed": compensating(.failed(.collectFailed(reason: "disk full")), abandoning: []),
            "collecting|cancelRequested": compensating(cancelled, abandoning: [i]),
            "collecting|deadlineReached": compensating(late, abandoning: [i]),

            "tearingDown|sandboxReleased": t(.reporting(outcome: .succeeded, attempt: 1, intent: n), [f.intent(.reportStatus(outcome: .succeeded), .idempotent)]),
            "tearingDown|sandboxReleaseFailed": t(.retryWait(.release(sandbox: s, attempt: 2, outcome: .succeeded), notBefore: f.t1.adding(milliseconds: 1000))),

            "compensating|sandboxReleased": t(.reporting(outcome: late, attempt: 1, intent: n), [f.intent(.reportStatus(outcome: late), .idempotent)]),
            "compensating|sandboxReleaseFailed": t(.retryWait(.release(sandbox: s, attempt: 2, outcome: late), notBefore: f.t1.adding(milliseconds: 1000))),

            "needsAttention|operatorResolved": t(.running(step: 0, attempt: 2, sandbox: s, intent: n), [f.intent(.runStep(sandbox: s, index: 0, attempt: 2), .reconcile)]),
            "needsAttention|cancelRequested": compensating(cancelled, abandoning: []),
            "needsAttention|deadlineReached": compensating(late, abandoning: []),

            "reporting|statusReported": t(.succeeded),
            "reporting|statusReportFailed": t(.retryWait(.report(outcome: .succeeded, attempt: 2), notBefore: f.t1.adding(milliseconds: 1000))),
        ]
    }()

    /// Sample states that await ``Fixture/awaited``; outcome events elsewhere are stale.
    static let awaiting: Set<String> = [
        "provisioning", "running", "awaitingModel", "runningTools", "collecting", "tearingDown", "compensating", "reporting",
    ]

    /// The refusal expected for a pair that is not in ``legal``.
    static func refusal(_ sample: StateSample, _ event: SandboxJobEvent) -> IllegalTransition.Code {
        if SandboxJob.latest.definition.isTerminal(sample.state.name) { return .terminalState }
        if event.answers != nil, !awaiting.contains(sample.label) { return .staleOutcome }
        return .notAccepted
    }

    @Test("every event in every state", arguments: StateSample.all)
    func table(sample: StateSample) {
        for event in EventSample.all {
            let key = "\(sample.label)|\(event.name)"
            let result = Result { () throws(IllegalTransition) in
                try sample.job.checkedTransition(from: sample.state, on: event, seq: Fixture.seq)
            }
            switch (result, Self.legal[key]) {
            case (.success(let actual), let expected?):
                #expect(actual == expected, "\(key)")
            case (.failure(let error), let expected?):
                Issue.record("\(key): expected \(expected.state.name), refused: \(error)")
            case (.success(let actual), nil):
                Issue.record("\(key): expected refusal \(Self.refusal(sample, event)), got \(actual.state)")
            case (.failure(let error), nil):
                #expect(error.code == Self.refusal(sample, event), "\(key): \(error)")
            }
        }
    }

    @Test("the table's legal pairs are exactly the definition's edges from the sample states")
    func tableCoversDefinition() {
        // Every legal row is a declared edge, and every declared (state, event) pair has a row
        // or a variant in SandboxJobScenarioTests.
        let definition = SandboxJob.latest.definition
        for (key, transition) in Self.legal {
            let parts = key.split(separator: "|").map(String.init)
            #expect(definition.effectKinds(from: parts[0], event: parts[1], to: transition.state.name) != nil, "\(key)")
        }
        let declaredPairs = Set(definition.edges.map { "\($0.from)|\($0.event)" })
        let coveredPairs = Set(Self.legal.keys).union(SandboxJobScenarioTests.coveredPairs)
        #expect(declaredPairs.subtracting(coveredPairs).sorted() == [])
    }
}
