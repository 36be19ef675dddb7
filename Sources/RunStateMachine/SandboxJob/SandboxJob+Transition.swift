extension SandboxJob {
    /// A new run waits in `queued`; it asks for nothing until a worker starts it.
    public func start() -> Transition<SandboxJob> {
        Transition(state: .queued)
    }

    /// The sandbox-job transition function; see ``SandboxJobState`` for the valid moves.
    public func transition(
        from state: SandboxJobState,
        on event: SandboxJobEvent,
        seq: Int
    ) throws(IllegalTransition) -> Transition<SandboxJob> {
        let step = Steps(job: self, seq: seq)
        func refuse(_ code: IllegalTransition.Code, _ reason: String) -> IllegalTransition {
            IllegalTransition(code, state: state.name, event: event.name, reason: reason)
        }

        switch (state, event) {
        case (.queued, .start):
            return step.provision(attempt: 1)

        case (_, .cancelRequested(let reason)):
            guard let result = step.stopping(state, because: .cancel(reason: reason)) else {
                throw refuse(.notAccepted, "the run is already finishing; its outcome is decided")
            }
            return result

        case (_, .deadlineReached(let at)):
            guard at >= deadline else {
                throw refuse(.premature, "the deadline is \(deadline), not yet reached at \(at)")
            }
            guard let result = step.stopping(state, because: .deadline) else {
                throw refuse(.notAccepted, "the run is already finishing; the deadline no longer applies")
            }
            return result

        case (.provisioning(_, _, let stop), .sandboxCreated(_, let sandbox)):
            if let stop {
                return step.compensate(sandbox, outcome: stop.outcome)
            }
            switch input.kind {
            case .shell: return step.run(step: 0, attempt: 1, sandbox: sandbox)
            case .agent: return step.callModel(turn: 1, attempt: 1, sandbox: sandbox, usage: TokenUsage())
            }

        case (.provisioning(let attempt, _, let stop), .sandboxCreateFailed(_, let reason, let retryable, let at)):
            if let stop {
                return step.report(stop.outcome)
            }
            if retryable, attempt < Self.provisionAttempts {
                let delay = Self.backoff(Self.provisionBackoffMilliseconds, afterAttempt: attempt)
                return Transition(state: .retryWait(.provision(attempt: attempt + 1), notBefore: at.adding(milliseconds: delay)))
            }
            return step.report(.failed(.sandboxUnavailable(reason: reason)))

        case (.running(let index, let attempt, let sandbox, _), .stepFinished(_, let result, let at)):
            guard index < input.steps.count else {
                throw refuse(.invalidEvent, "step \(index) does not exist in this job")
            }
            if result.exit.isSuccess {
                return step.advance(after: index, sandbox: sandbox)
            }
            if case .sandboxLost(let reason) = result.exit {
                return step.compensate(sandbox, outcome: .failed(.sandboxLost(reason: reason)))
            }
            let retry = input.steps[index].retry
            if attempt < retry.maxAttempts {
                let notBefore = at.adding(milliseconds: retry.delay(afterAttempt: attempt))
                return Transition(state: .retryWait(.step(index: index, attempt: attempt + 1, sandbox: sandbox), notBefore: notBefore))
            }
            return step.compensate(sandbox, outcome: .failed(.stepFailed(step: index, exit: result.exit)))

        case (.running(let index, let attempt, let sandbox, _), .effectInDoubt(_, let reason)):
            guard index < input.steps.count else {
                throw refuse(.invalidEvent, "step \(index) does not exist in this job")
            }
            if input.steps[index].idempotent {
                return step.run(step: index, attempt: attempt + 1, sandbox: sandbox)
            }
            let name = input.steps[index].name
            return Transition(
                state: .needsAttention(
                    reason: "step '\(name)' (attempt \(attempt)) is not idempotent and whether it ran is unknown: \(reason)",
                    subject: .step(index: index, attempt: attempt, sandbox: sandbox)
                )
            )

        case (.awaitingModel(let turn, _, let sandbox, let usage, _), .modelResponded(_, let response)):
            return step.afterModel(response, turn: turn, sandbox: sandbox, usage: usage + response.usage)

        case (.awaitingModel(let turn, let attempt, let sandbox, let usage, _),
            .modelCallFailed(_, let reason, let retryable, let retryAfter, let at)):
            if retryable, attempt < Self.modelAttempts {
                let delay = max(retryAfter ?? 0, Self.backoff(Self.modelBackoffMilliseconds, afterAttempt: attempt))
                let target = RetryTarget.model(turn: turn, attempt: attempt + 1, sandbox: sandbox, usage: usage)
                return Transition(state: .retryWait(target, notBefore: at.adding(milliseconds: delay)))
            }
            return step.compensate(sandbox, outcome: .failed(.modelFailed(reason: reason)))

        case (.runningTools(_, _, _, let sandbox, _, _), .toolFinished(_, let result)) where result.sandboxLost != nil:
            return step.compensate(sandbox, outcome: .failed(.sandboxLost(reason: result.sandboxLost ?? "")))

        case (.runningTools(let turn, let calls, let next, let sandbox, let usage, _), .toolFinished):
            return step.afterTool(turn: turn, calls: calls, finished: next, sandbox: sandbox, usage: usage)

        case (.runningTools(let turn, let calls, let next, let sandbox, let usage, _), .effectInDoubt):
            // The call's outcome is unknown; the model is told so in an is_error tool result
            // (built from this journaled event) and the loop goes on.
            return step.afterTool(turn: turn, calls: calls, finished: next, sandbox: sandbox, usage: usage)

        case (.retryWait(let target, let notBefore), .retryDue(let at)):
            guard at >= notBefore else {
                throw refuse(.premature, "the retry is due at \(notBefore), not at \(at)")
            }
            if case .step(let index, _, _) = target, index >= input.steps.count {
                throw refuse(.invalidEvent, "step \(index) does not exist in this job")
            }
            return step.retry(target)

        case (.collecting(let sandbox, _), .collected):
            return step.tearDown(sandbox, attempt: 1)

        case (.collecting(let sandbox, _), .collectFailed(_, let reason)):
            return step.compensate(sandbox, outcome: .failed(.collectFailed(reason: reason)))

        case (.tearingDown, .sandboxReleased):
            return step.report(.succeeded)

        case (.compensating(let outcome, _, _, _), .sandboxReleased):
            return step.report(outcome)

        case (.tearingDown(let sandbox, let attempt, _), .sandboxReleaseFailed(_, let reason, let at)):
            return step.releaseFailed(sandbox, attempt: attempt, outcome: .succeeded, reason: reason, at: at)

        case (.compensating(let outcome, let sandbox, let attempt, _), .sandboxReleaseFailed(_, let reason, let at)):
            return step.releaseFailed(sandbox, attempt: attempt, outcome: outcome, reason: reason, at: at)

        case (.reporting(let outcome, _, _), .statusReported):
            return Transition(state: Steps.terminal(outcome))

        case (.reporting(let outcome, let attempt, _), .statusReportFailed(_, let reason, let retryable, let at)):
            if retryable, attempt < Self.reportAttempts {
                let delay = Self.backoff(Self.finishBackoffMilliseconds, afterAttempt: attempt)
                return Transition(state: .retryWait(.report(outcome: outcome, attempt: attempt + 1), notBefore: at.adding(milliseconds: delay)))
            }
            let tries = retryable ? "after \(attempt) attempts" : "and the error is not retryable"
            return Transition(
                state: .needsAttention(reason: "reporting '\(outcome.status)' failed \(tries): \(reason)", subject: .report(outcome: outcome))
            )

        case (.needsAttention(_, let subject), .operatorResolved(let resolution, let note)):
            if case .step(let index, _, _) = subject, index >= input.steps.count {
                throw refuse(.invalidEvent, "step \(index) does not exist in this job")
            }
            guard let result = step.resolve(subject, resolution, note: note) else {
                throw refuse(.invalidEvent, "the run's outcome is already decided; resolve with 'retry' or 'skip'")
            }
            return result

        default:
            throw refuse(.notAccepted, "'\(state.name)' does not take '\(event.name)'")
        }
    }
}

extension SandboxJob {
    /// The moves the transition function is built from, for one transition whose record will
    /// have run sequence number `seq`.
    struct Steps {
        let job: SandboxJob
        let seq: Int

        /// A transition into the state `makeState(id)` that asks for one effect with id `(seq, 0)`.
        private func one(
            _ effect: SandboxJobEffect,
            _ policy: RecoveryPolicy,
            _ makeState: (IntentID) -> SandboxJobState
        ) -> Transition<SandboxJob> {
            let id = IntentID(seq: seq, index: 0)
            return Transition(state: makeState(id), intents: [EffectIntent(id: id, effect: effect, policy: policy)])
        }

        func provision(attempt: Int) -> Transition<SandboxJob> {
            one(.createSandbox(attempt: attempt), .reconcile) { .provisioning(attempt: attempt, intent: $0, stop: nil) }
        }

        func run(step index: Int, attempt: Int, sandbox: SandboxID) -> Transition<SandboxJob> {
            let policy: RecoveryPolicy = job.input.steps[index].idempotent ? .idempotent : .reconcile
            return one(.runStep(sandbox: sandbox, index: index, attempt: attempt), policy) {
                .running(step: index, attempt: attempt, sandbox: sandbox, intent: $0)
            }
        }

        func callModel(turn: Int, attempt: Int, sandbox: SandboxID, usage: TokenUsage) -> Transition<SandboxJob> {
            one(.callModel(sandbox: sandbox, turn: turn, attempt: attempt), .idempotent) {
                .awaitingModel(turn: turn, attempt: attempt, sandbox: sandbox, usage: usage, intent: $0)
            }
        }

        func runTool(turn: Int, calls: [ToolCallRef], next: Int, sandbox: SandboxID, usage: TokenUsage) -> Transition<SandboxJob> {
            one(.runTool(sandbox: sandbox, turn: turn, index: next, call: calls[next]), .reconcile) {
                .runningTools(turn: turn, calls: calls, next: next, sandbox: sandbox, usage: usage, intent: $0)
            }
        }

        func collect(_ sandbox: SandboxID) -> Transition<SandboxJob> {
            one(.collectArtifacts(sandbox: sandbox), .idempotent) { .collecting(sandbox: sandbox, intent: $0) }
        }

        func tearDown(_ sandbox: SandboxID, attempt: Int) -> Transition<SandboxJob> {
            one(.killSandbox(sandbox: sandbox), .idempotent) { .tearingDown(sandbox: sandbox, attempt: attempt, intent: $0) }
        }

        func compensate(_ sandbox: SandboxID, outcome: RunOutcome, attempt: Int = 1) -> Transition<SandboxJob> {
            one(.killSandbox(sandbox: sandbox), .idempotent) {
                .compensating(outcome: outcome, sandbox: sandbox, attempt: attempt, intent: $0)
            }
        }

        /// Kill the sandbox, then report `outcome`: tear down after success, compensate after
        /// anything else.
        func release(_ sandbox: SandboxID, outcome: RunOutcome, attempt: Int) -> Transition<SandboxJob> {
            outcome == .succeeded ? tearDown(sandbox, attempt: attempt) : compensate(sandbox, outcome: outcome, attempt: attempt)
        }

        func report(_ outcome: RunOutcome, attempt: Int = 1) -> Transition<SandboxJob> {
            one(.reportStatus(outcome: outcome), .idempotent) { .reporting(outcome: outcome, attempt: attempt, intent: $0) }
        }

        static func terminal(_ outcome: RunOutcome) -> SandboxJobState {
            switch outcome {
            case .succeeded: .succeeded
            case .failed(let reason): .failed(reason)
            case .cancelled(let reason): .cancelled(reason: reason)
            }
        }

        /// After the job's work is done: collect artifacts if the spec asks for any, else tear down.
        func finish(_ sandbox: SandboxID) -> Transition<SandboxJob> {
            job.input.collect.isEmpty ? tearDown(sandbox, attempt: 1) : collect(sandbox)
        }

        /// After step `index` succeeded: the next step, or finish.
        func advance(after index: Int, sandbox: SandboxID) -> Transition<SandboxJob> {
            index + 1 < job.input.steps.count ? run(step: index + 1, attempt: 1, sandbox: sandbox) : finish(sandbox)
        }

        func afterModel(_ response: ModelResponse, turn: Int, sandbox: SandboxID, usage: TokenUsage) -> Transition<SandboxJob> {
            let calls = response.toolCalls
            switch response.stopReason {
            case "end_turn", "stop_sequence":
                return finish(sandbox)
            case "tool_use" where !calls.isEmpty:
                if let budget = job.input.agent?.tokenBudget, usage.total > budget {
                    return compensate(sandbox, outcome: .failed(.tokenBudget(used: usage.total, budget: budget)))
                }
                return runTool(turn: turn, calls: calls, next: 0, sandbox: sandbox, usage: usage)
            default:
                let reason = response.stopReason == "tool_use" ? "tool_use without tool calls" : response.stopReason
                return compensate(sandbox, outcome: .failed(.modelStopped(stopReason: reason)))
            }
        }

        func afterTool(turn: Int, calls: [ToolCallRef], finished: Int, sandbox: SandboxID, usage: TokenUsage) -> Transition<SandboxJob> {
            if finished + 1 < calls.count {
                return runTool(turn: turn, calls: calls, next: finished + 1, sandbox: sandbox, usage: usage)
            }
            let maxTurns = job.input.agent?.maxTurns ?? 1
            if turn >= maxTurns {
                return compensate(sandbox, outcome: .failed(.turnLimit(maxTurns: maxTurns)))
            }
            return callModel(turn: turn + 1, attempt: 1, sandbox: sandbox, usage: usage)
        }

        func retry(_ target: RetryTarget) -> Transition<SandboxJob> {
            switch target {
            case .provision(let attempt): provision(attempt: attempt)
            case .step(let index, let attempt, let sandbox): run(step: index, attempt: attempt, sandbox: sandbox)
            case .model(let turn, let attempt, let sandbox, let usage): callModel(turn: turn, attempt: attempt, sandbox: sandbox, usage: usage)
            case .release(let sandbox, let attempt, let outcome): release(sandbox, outcome: outcome, attempt: attempt)
            case .report(let outcome, let attempt): report(outcome, attempt: attempt)
            }
        }

        func releaseFailed(_ sandbox: SandboxID, attempt: Int, outcome: RunOutcome, reason: String, at: Timestamp) -> Transition<SandboxJob> {
            if attempt < SandboxJob.releaseAttempts {
                let delay = SandboxJob.backoff(SandboxJob.finishBackoffMilliseconds, afterAttempt: attempt)
                let target = RetryTarget.release(sandbox: sandbox, attempt: attempt + 1, outcome: outcome)
                return Transition(state: .retryWait(target, notBefore: at.adding(milliseconds: delay)))
            }
            return Transition(
                state: .needsAttention(
                    reason: "sandbox \(sandbox) could not be killed after \(attempt) attempts (its lease will expire): \(reason)",
                    subject: .release(sandbox: sandbox, outcome: outcome)
                )
            )
        }

        /// The transition a cancel or deadline causes in `state`, or `nil` where the run's
        /// outcome is already decided (it is releasing its sandbox or reporting) or it is already
        /// stopping.
        func stopping(_ state: SandboxJobState, because request: StopRequest) -> Transition<SandboxJob>? {
            switch state {
            case .queued:
                return report(request.outcome)
            case .provisioning(let attempt, let intent, nil):
                return Transition(state: .provisioning(attempt: attempt, intent: intent, stop: request))
            case .running(_, _, let sandbox, _), .awaitingModel(_, _, let sandbox, _, _), .runningTools(_, _, _, let sandbox, _, _),
                .collecting(let sandbox, _), .needsAttention(_, .step(_, _, let sandbox)):
                return compensate(sandbox, outcome: request.outcome)
            case .retryWait(.provision, _):
                return report(request.outcome)
            case .retryWait(.step(_, _, let sandbox), _), .retryWait(.model(_, _, let sandbox, _), _):
                return compensate(sandbox, outcome: request.outcome)
            case .provisioning, .retryWait(.release, _), .retryWait(.report, _), .needsAttention, .tearingDown, .compensating,
                .reporting, .succeeded, .failed, .cancelled:
                return nil
            }
        }

        /// An operator's decision about a parked run, or `nil` if it does not apply.
        func resolve(_ subject: AttentionSubject, _ resolution: Resolution, note: String) -> Transition<SandboxJob>? {
            switch (subject, resolution) {
            case (.step(let index, let attempt, let sandbox), .retry):
                return run(step: index, attempt: attempt + 1, sandbox: sandbox)
            case (.step(let index, _, let sandbox), .skip):
                return advance(after: index, sandbox: sandbox)
            case (.step(_, _, let sandbox), .fail):
                return compensate(sandbox, outcome: .failed(.abandoned(note: note)))
            case (.release(let sandbox, let outcome), .retry):
                return release(sandbox, outcome: outcome, attempt: 1)
            case (.release(_, let outcome), .skip):
                return report(outcome)
            case (.report(let outcome), .retry):
                return report(outcome)
            case (.report(let outcome), .skip):
                return Transition(state: Self.terminal(outcome))
            case (.release, .fail), (.report, .fail):
                return nil
            }
        }
    }
}
