import Journal
import RunStateMachine
@testable import Runtime
import Testing
import TestSupport

/// The driver's decisions, input by input: (state, input) → actions, with no journal, executor
/// or clock. Each action is written as one line (times relative to ``DriverStep/t0``), so a
/// test reads as the table of what the driver does.
@Suite("Run driver machine")
struct RunDriverMachineTests {
    typealias Step = DriverStep<SandboxJob>

    static let sandbox = SandboxID("sbx-1")
    /// One step, two attempts, a deadline an hour out.
    static let spec = JobSpec(
        kind: .shell,
        name: "driver",
        deadlineSeconds: 3600,
        steps: [StepSpec(name: "build", run: "make", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 2, backoffMilliseconds: 1000))]
    )
    static let job = SandboxJob(input: spec, submittedAt: Step.t0, revision: 1)
    static let created = IntentID(seq: 3, index: 0)
    static let stepped = IntentID(seq: 4, index: 0)
    static let create = EffectIntent<SandboxJobEffect>(id: created, effect: .createSandbox(attempt: 1), policy: .idempotent)
    static let build = EffectIntent<SandboxJobEffect>(id: stepped, effect: .runStep(sandbox: sandbox, index: 0, attempt: 1), policy: .reconcile)

    @Test("a new run: its start is appended first, and its intent is dispatched only after the append commits")
    func writeAhead() {
        var step = Step(Self.job, state: .queued)
        #expect(step.start() == ["keepAlive queued", "awaitCancelSignal", "append #3 start -> provisioning"])
        #expect(step.committed() == ["keepAlive provisioning", "dispatch createSandbox 3/0", "armTimer +3600000"])
        #expect(step.feed(.outcome(.sandboxCreated(intent: IntentID(seq: 3, index: 0), sandbox: Self.sandbox))) == ["append #4 sandboxCreated -> running"])
        #expect(step.committed() == ["keepAlive running", "dispatch runStep 4/0"])
        #expect(step.driver.inFlight == 1)
    }

    @Test("each append ties the run to the worker's host while the new state creates or holds a local sandbox, and unties it after; an E2B sandbox ties it to no host")
    func hostAffinity() {
        func affinities(of job: SandboxJob) -> [HostAffinity?] {
            var step = Step(job, state: .queued)
            var appended: [HostAffinity?] = []
            var actions = step.driver.start(now: step.now)
            let outcomes: [SandboxJobEvent] = [
                .sandboxCreated(intent: IntentID(seq: 3, index: 0), sandbox: Self.sandbox),
                .stepFinished(intent: IntentID(seq: 4, index: 0), result: StepResult(exit: .exited(code: 0)), at: Step.t0),
                .sandboxReleased(intent: IntentID(seq: 5, index: 0)),
            ]
            for outcome in outcomes {
                for case .append(let request) in actions { appended.append(request.affinity) }
                _ = step.committed()
                actions = step.driver.handle(.outcome(outcome), now: step.now)
            }
            for case .append(let request) in actions { appended.append(request.affinity) }
            return appended
        }
        let tied = HostAffinity(host: "test-host", graceMilliseconds: Int64(Self.spec.sandbox.timeoutSeconds) * 1000 + 2_000)
        // provisioning, running, tearingDown, then reporting.
        #expect(affinities(of: Self.job) == [tied, tied, tied, nil])
        var remote = Self.spec
        remote.sandbox.provider = .e2b
        #expect(affinities(of: SandboxJob(input: remote, submittedAt: Step.t0, revision: 1)) == [nil, nil, nil, nil])
    }

    @Test("a late outcome is reported and dropped: nothing is appended, the run goes on")
    func refusedEvent() {
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: IntentID(seq: 4, index: 0)), lastRunSeq: 4, inFlight: [Self.build, Self.create])
        #expect(step.feed(.outcome(.sandboxCreated(intent: IntentID(seq: 3, index: 0), sandbox: Self.sandbox))) == ["report eventRefused(staleOutcome)"])
        #expect(step.driver.inFlight == 1)
        #expect(step.driver.lastRunSeq == 4)
    }

    @Test("the store out of reach on an append: the driver stops, the run interrupted, nothing dispatched")
    func storeUnreachableOnAppend() {
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: IntentID(seq: 4, index: 0)), lastRunSeq: 4, inFlight: [Self.build])
        #expect(step.feed(.outcome(.stepFinished(intent: IntentID(seq: 4, index: 0), result: StepResult(exit: .exited(code: 0)), at: Step.t0))) == ["append #5 stepFinished -> tearingDown"])
        #expect(step.feed(.storeUnreachable("down")) == ["report storeUnreachable", "finish interrupted"])
    }

    @Test("the lease lost on an append: nothing is dispatched")
    func leaseLostOnAppend() {
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: IntentID(seq: 4, index: 0)), lastRunSeq: 4, inFlight: [Self.build])
        #expect(step.feed(.outcome(.stepFinished(intent: IntentID(seq: 4, index: 0), result: StepResult(exit: .exited(code: 0)), at: Step.t0))) == ["append #5 stepFinished -> tearingDown"])
        #expect(step.feed(.leaseLost) == ["report leaseLost", "finish lostLease"])
    }

    @Test("the lease lost while an effect runs: the driver learns it from the next append, and stops; a later outcome is ignored")
    func leaseLostMidEffect() {
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: IntentID(seq: 4, index: 0)), lastRunSeq: 4, inFlight: [Self.build])
        #expect(step.feed(.cancelSignalled) == ["awaitCancelSignal", "readOperatorRequest"])
        #expect(step.feed(.operatorRequest(.cancel(reason: "user"))) == ["append #5 cancelRequested -> compensating"])
        #expect(step.feed(.leaseLost) == ["report leaseLost", "finish lostLease"])
        #expect(step.feed(.outcome(.stepFinished(intent: IntentID(seq: 4, index: 0), result: StepResult(exit: .exited(code: 0)), at: step.now))) == [])
        #expect(step.driver.isFinished)
    }

    @Test("a run parked for an operator, with no cancel request, is released until its deadline")
    func parkedForOperator() {
        let state = SandboxJobState.needsAttention(reason: "in doubt", subject: .step(index: 0, attempt: 1, sandbox: Self.sandbox))
        var step = Step(Self.job, state: state, checkCancel: true)
        #expect(step.start() == ["keepAlive needsAttention", "awaitCancelSignal", "readOperatorRequest"])
        #expect(step.feed(.operatorRequest(nil)) == ["armTimer +3600000", "release", "finish parked(needsAttention, wakeup: +3600000)"])
    }

    @Test("cancel while parked: the cancel is journaled, its request deleted, the sandbox killed")
    func cancelWhileParked() {
        let state = SandboxJobState.needsAttention(reason: "in doubt", subject: .step(index: 0, attempt: 1, sandbox: Self.sandbox))
        var step = Step(Self.job, state: state, lastRunSeq: 6, checkCancel: true)
        #expect(step.start() == ["keepAlive needsAttention", "awaitCancelSignal", "readOperatorRequest"])
        #expect(step.feed(.operatorRequest(.cancel(reason: "operator"))) == ["append #7 cancelRequested -> compensating"])
        #expect(step.committed() == ["keepAlive compensating", "dispatch killSandbox 7/0", "clearOperatorRequest"])
    }

    @Test("an operator's decision about a parked run is journaled with its note, its request deleted, and the run goes on")
    func resolveWhileParked() {
        let state = SandboxJobState.needsAttention(reason: "in doubt", subject: .step(index: 0, attempt: 1, sandbox: Self.sandbox))
        var step = Step(Self.job, state: state, lastRunSeq: 6, checkCancel: true)
        #expect(step.start() == ["keepAlive needsAttention", "awaitCancelSignal", "readOperatorRequest"])
        #expect(step.feed(.operatorRequest(.resolve(.retry, note: "checked the ledger"))) == ["append #7 operatorResolved -> running"])
        #expect(step.committed() == ["keepAlive running", "dispatch runStep 7/0", "clearOperatorRequest", "armTimer +3600000"])
    }

    @Test("a decision about a run that is no longer parked is refused by the machine, reported, and its request deleted")
    func resolveNotParked() {
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: IntentID(seq: 4, index: 0)), lastRunSeq: 4, inFlight: [Self.build])
        #expect(step.feed(.cancelSignalled) == ["awaitCancelSignal", "readOperatorRequest"])
        #expect(step.feed(.operatorRequest(.resolve(.skip, note: ""))) == ["report eventRefused(notAccepted)", "clearOperatorRequest"])
    }

    @Test("a decision for a machine that takes none is deleted, not read again at every poll")
    func decisionNobodyTakes() {
        let state = SandboxJobState.needsAttention(reason: "in doubt", subject: .step(index: 0, attempt: 1, sandbox: Self.sandbox))
        let job = DefectiveSandboxJob(input: Self.spec, submittedAt: DriverStep<DefectiveSandboxJob>.t0, revision: 1)
        var step = DriverStep(job, state: state, lastRunSeq: 6, checkCancel: true)
        #expect(step.start() == ["keepAlive needsAttention", "awaitCancelSignal", "readOperatorRequest"])
        #expect(
            step.feed(.operatorRequest(.resolve(.retry, note: ""))) == [
                "clearOperatorRequest", "armTimer +3600000", "release", "finish parked(needsAttention, wakeup: +3600000)",
            ]
        )
    }

    @Test("a cancel signalled while a step runs is read, journaled, and its request deleted once")
    func cancelSignalled() {
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: IntentID(seq: 4, index: 0)), lastRunSeq: 4, inFlight: [Self.build])
        #expect(step.feed(.cancelSignalled) == ["awaitCancelSignal", "readOperatorRequest"])
        #expect(step.feed(.operatorRequest(.cancel(reason: "user"))) == ["append #5 cancelRequested -> compensating"])
        #expect(step.committed() == ["keepAlive compensating", "dispatch killSandbox 5/0", "clearOperatorRequest"])
        // A second signal for the same request, after it was taken and deleted, reads again.
        #expect(step.feed(.cancelSignalled) == ["awaitCancelSignal", "readOperatorRequest"])
        #expect(step.feed(.operatorRequest(nil)) == [])
    }

    @Test("timers: the earliest wakeup is armed once; a timer for an older wakeup feeds only what is due")
    func timerOrdering() {
        let notBefore = Step.t0.adding(milliseconds: 2000)
        let state = SandboxJobState.retryWait(.step(index: 0, attempt: 2, sandbox: Self.sandbox), notBefore: notBefore)
        var step = Step(Self.job, state: state, lastRunSeq: 5)
        #expect(step.start() == ["keepAlive retryWait", "awaitCancelSignal", "armTimer +2000"])
        // A timer armed for another instant that fires early feeds nothing.
        #expect(step.feed(.timerFired(Step.t0.adding(milliseconds: 500))) == [])
        step.now = notBefore
        #expect(step.feed(.timerFired(notBefore)) == ["append #6 retryDue -> running"])
        #expect(step.committed() == ["keepAlive running", "dispatch runStep 6/0", "armTimer +3600000"])
    }

    @Test("a wakeup further than two lease periods parks the run until it comes")
    func parkedUntilWakeup() {
        let notBefore = Step.t0.adding(milliseconds: 60_000)
        let state = SandboxJobState.retryWait(.step(index: 0, attempt: 2, sandbox: Self.sandbox), notBefore: notBefore)
        var step = Step(Self.job, state: state, lastRunSeq: 5)
        #expect(step.start() == ["keepAlive retryWait", "awaitCancelSignal", "armTimer +60000", "release", "finish parked(retryWait, wakeup: +60000)"])
    }

    @Test("recovery: a reconcile intent is asked about first, its finding journaled; an idempotent one fires again unasked")
    func recovery() {
        let build = EffectIntent<SandboxJobEffect>(id: IntentID(seq: 4, index: 0), effect: .runStep(sandbox: Self.sandbox, index: 0, attempt: 1), policy: .reconcile)
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: build.id), lastRunSeq: 5, pending: [build], epoch: 2)
        #expect(step.start() == ["keepAlive running", "reconcile 4/0"])
        let finished = SandboxJobEvent.stepFinished(intent: build.id, result: StepResult(exit: .exited(code: 0)), at: Step.t0)
        #expect(step.feed(.reconciled([.happened(finished)])) == ["report recovering(epoch 2, pending 1, refired 0, settled 1)", "awaitCancelSignal", "append #6 stepFinished -> tearingDown"])

        let create = EffectIntent<SandboxJobEffect>(id: IntentID(seq: 3, index: 0), effect: .createSandbox(attempt: 1), policy: .idempotent)
        var again = Step(Self.job, state: .provisioning(attempt: 1, intent: create.id, stop: nil), pending: [create], epoch: 2)
        #expect(again.start() == ["keepAlive provisioning", "report recovering(epoch 2, pending 1, refired 1, settled 0)", "redispatch createSandbox 3/0", "awaitCancelSignal", "armTimer +3600000"])
        #expect(again.driver.inFlight == 1)
    }

    @Test("an executor failure is reported and journaled as an unknown outcome (the step parks), not turned into a stop")
    func executorFailure() {
        let intent = EffectIntent<SandboxJobEffect>(id: IntentID(seq: 4, index: 0), effect: .runStep(sandbox: Self.sandbox, index: 0, attempt: 1), policy: .reconcile)
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: intent.id), lastRunSeq: 4, inFlight: [Self.build])
        #expect(step.feed(.effectFailed(intent, reason: "disk I/O error")) == ["report executorFailed(4/0 runStep)", "append #5 effectInDoubt -> needsAttention"])
        #expect(step.driver.inFlight == 0)
    }

    @Test("a machine defect halts the run visibly: reported, nothing appended, the lease released")
    func machineDefect() {
        let job = DefectiveSandboxJob(input: Self.spec, submittedAt: Step.t0, revision: 1)
        var step = DriverStep<DefectiveSandboxJob>(job, state: .provisioning(attempt: 1, intent: IntentID(seq: 3, index: 0), stop: nil), lastRunSeq: 3, inFlight: [Self.create])
        let actions = step.feed(.outcome(.sandboxCreated(intent: IntentID(seq: 3, index: 0), sandbox: Self.sandbox)))
        #expect(actions == ["report machineDefect(undeclaredEdge)", "release", "finish halted(provisioning)"])
        #expect(step.driver.lastRunSeq == 3)
    }

    @Test("shutdown leaves the run to the next owner at once")
    func shutdown() {
        var step = Step(Self.job, state: .running(step: 0, attempt: 1, sandbox: Self.sandbox, intent: IntentID(seq: 4, index: 0)), lastRunSeq: 4, inFlight: [Self.build])
        #expect(step.feed(.shutdown) == ["finish stopped"])
        #expect(step.feed(.timerFired(Step.t0)) == [])
    }

    @Test("a run in a terminal state finishes at once")
    func terminal() {
        var step = Step(Self.job, state: .succeeded)
        #expect(step.start() == ["keepAlive succeeded", "awaitCancelSignal", "finish finished(succeeded)"])
    }
}

/// A driver machine under test, with the lines its actions print as.
struct DriverStep<Machine: StateMachine> {
    static var t0: Timestamp { Timestamp(milliseconds: 1_900_000_000_000) }
    static var ttl: Int64 { 3000 }

    var driver: RunDriverMachine<Machine>
    var now = t0
    let run = RunRef(id: RunID("01hzzzzzzzzzzzzzzzzzzzzzzz")!, number: 1)

    init(
        _ machine: Machine,
        state: Machine.State,
        lastRunSeq: Int = 2,
        pending: [EffectIntent<Machine.Effect>] = [],
        epoch: Int64 = 1,
        inFlight: [EffectIntent<Machine.Effect>] = [],
        checkCancel: Bool = false
    ) {
        let lease = Lease(run: run, owner: "test", epoch: epoch, expiresAt: Self.t0.adding(milliseconds: Self.ttl), runSeq: lastRunSeq, seq: Int64(lastRunSeq))
        driver = RunDriverMachine(
            machine: machine,
            lease: lease,
            state: state,
            lastRunSeq: lastRunSeq,
            lastSeq: Int64(lastRunSeq),
            pending: pending + inFlight.map { EffectIntent(id: $0.id, effect: $0.effect, policy: .idempotent) },
            leaseTTL: Self.ttl,
            host: "test-host",
            checkCancel: checkCancel
        )
        if !inFlight.isEmpty {
            // A driver already waiting on `inFlight`: it took the run and fired them again.
            _ = driver.start(now: now)
        }
    }

    mutating func start() -> [String] {
        driver.start(now: now).map(describe)
    }

    mutating func feed(_ input: RunDriverMachine<Machine>.Input) -> [String] {
        driver.handle(input, now: now).map(describe)
    }

    /// The pending append commits as the next record.
    mutating func committed() -> [String] {
        feed(.appended(JournalReceipt(seq: driver.lastSeq + 1, runSeq: driver.lastRunSeq + 1, hash: [])))
    }

    private func relative(_ instant: Timestamp) -> String {
        "+\(instant.milliseconds - Self.t0.milliseconds)"
    }

    private func intents(_ intents: [EffectIntent<Machine.Effect>]) -> String {
        intents.map { "\($0.effect.kind) \($0.id)" }.joined(separator: ", ")
    }

    func describe(_ action: RunDriverMachine<Machine>.Action) -> String {
        switch action {
        case .keepAlive(let state): "keepAlive \(state.name)"
        case .reconcile(let pending): "reconcile \(pending.map { "\($0.id)" }.joined(separator: ", "))"
        case .append(let request):
            "append #\(request.runSeq) \((try? Machine.Event(json: JSONValue.parse(request.event)))?.name ?? "?") -> \(request.stateName)"
        case .dispatch(let fresh): "dispatch \(intents(fresh))"
        case .redispatch(let again): "redispatch \(intents(again))"
        case .armTimer(let at): "armTimer \(relative(at))"
        case .readOperatorRequest: "readOperatorRequest"
        case .awaitCancelSignal: "awaitCancelSignal"
        case .clearOperatorRequest: "clearOperatorRequest"
        case .release: "release"
        case .report(let report):
            switch report {
            case .eventRefused(let refusal): "report eventRefused(\(refusal.code.rawValue))"
            case .machineDefect(let defect): "report machineDefect(\(defect.code.rawValue))"
            case .executorFailed(let intent, let effect, _): "report executorFailed(\(intent) \(effect))"
            case .leaseLost: "report leaseLost"
            case .storeUnreachable: "report storeUnreachable"
            case .recovering(let epoch, let pending, let refired, let settled):
                "report recovering(epoch \(epoch), pending \(pending), refired \(refired), settled \(settled))"
            }
        case .finish(let result):
            switch result {
            case .finished(let state): "finish finished(\(state))"
            case .parked(let state, let wakeup, _): "finish parked(\(state), wakeup: \(wakeup.map(relative) ?? "nil"))"
            case .halted(let state, _, _): "finish halted(\(state))"
            case .lostLease: "finish lostLease"
            case .stopped: "finish stopped"
            case .interrupted: "finish interrupted"
            }
        }
    }
}
