import PropertyBased
import RunStateMachine
import SystemSupport
import TestSupport
import Testing

/// Drives a sandbox-job run with events chosen from a list of random numbers: mostly plausible
/// outcomes of what the state awaits (successes and failures), timers when due, and now and then
/// arbitrary, stale or ill-timed events.
struct RandomDriver {
    let job: SandboxJob
    var state: SandboxJobState
    var seq = 1
    var now: Timestamp
    /// The effect of every intent asked for so far.
    var effects: [IntentID: SandboxJobEffect] = [:]
    /// Intents journaled and neither answered nor abandoned, as the journal tracks them.
    var pending: Set<IntentID> = []
    /// Accepted events with their run sequence numbers, as a journal would hold them.
    var log: [(seq: Int, event: SandboxJobEvent)] = []
    /// The state after each accepted event.
    var states: [SandboxJobState] = []

    init(job: SandboxJob) {
        self.job = job
        let first = try! job.checkedStart()
        state = first.state
        now = job.submittedAt
        states = [first.state]
    }

    /// Picks the next event from `choice`: cooperative ones only, or any.
    func event(for choice: UInt64, cooperative: Bool) -> SandboxJobEvent {
        var bits = choice
        func take(_ n: UInt64) -> Int {
            let value = Int(bits % n)
            bits /= n
            return value
        }
        let mode = take(10)
        if !cooperative, mode >= 7 {
            return wild(take(9), take(3))
        }
        if let intent = job.awaited(in: state).first, let effect = effects[intent] {
            return outcome(of: effect, intent: intent, pick: cooperative ? 0 : take(6), detail: take(4))
        }
        if let event = job.timerEvent(in: state, at: now) {
            return event
        }
        switch state {
        case .queued:
            return .start
        case .needsAttention:
            return .operatorResolved(resolution: cooperative ? (take(2) == 0 ? .retry : .skip) : Resolution.allCases[take(3)], note: "n")
        case .retryWait(_, let notBefore):
            return .retryDue(at: max(notBefore, now))
        default:
            return wild(take(9), take(3))
        }
    }

    /// An outcome of `effect`; `pick` 0 is success, higher values are the effect's failures.
    func outcome(of effect: SandboxJobEffect, intent: IntentID, pick: Int, detail: Int) -> SandboxJobEvent {
        if pick == 5 {
            return .effectInDoubt(intent: intent, reason: "worker died")
        }
        switch effect {
        case .createSandbox:
            return pick == 0 ? .sandboxCreated(intent: intent, sandbox: SandboxID("sbx-\(seq)")) :
                .sandboxCreateFailed(intent: intent, reason: "quota", retryable: detail > 0, at: now)
        case .runStep:
            let exits: [StepExit] = [.exited(code: 0), .exited(code: 1), .timedOut, .sandboxLost(reason: "gone"), .failedToStart(reason: "no secret")]
            return .stepFinished(intent: intent, result: StepResult(exit: pick == 0 ? exits[0] : exits[detail]), at: now)
        case .callModel:
            if pick == 0 || pick == 1 {
                let calls = (0..<(detail % 3)).map { ToolCallRef(id: "toolu_\(seq)_\($0)", name: "shell") }
                let reason = calls.isEmpty ? (detail == 3 ? "max_tokens" : "end_turn") : "tool_use"
                var blocks: [JSONValue] = [["type": "text", "text": "thinking"]]
                blocks += calls.map { ["type": "tool_use", "id": .string($0.id), "name": .string($0.name), "input": [:]] }
                let response = ModelResponse(stopReason: reason, content: .array(blocks), usage: TokenUsage(input: 400 * detail, output: 50))
                return .modelResponded(intent: intent, response: response)
            }
            return .modelCallFailed(intent: intent, reason: "overloaded", retryable: detail > 0, retryAfterMilliseconds: detail == 2 ? 5000 : nil, at: now)
        case .runTool:
            return .toolFinished(intent: intent, result: ToolResult(isError: pick > 0, content: "out"))
        case .collectArtifacts:
            return pick == 0 ? .collected(intent: intent, artifacts: [ArtifactDigest(path: "a", bytes: 1, sha256: "00")]) :
                .collectFailed(intent: intent, reason: "io")
        case .killSandbox:
            return pick == 0 ? .sandboxReleased(intent: intent) : .sandboxReleaseFailed(intent: intent, reason: "api", at: now)
        case .reportStatus:
            return pick == 0 ? .statusReported(intent: intent) : .statusReportFailed(intent: intent, reason: "503", retryable: detail > 0, at: now)
        }
    }

    /// Events that may well be refused: stale outcomes, early timers, repeated starts, cancels.
    func wild(_ which: Int, _ detail: Int) -> SandboxJobEvent {
        let stale = IntentID(seq: max(1, seq - detail), index: detail)
        switch which {
        case 0: return .start
        case 1: return .cancelRequested(reason: "user")
        case 2: return .deadlineReached(at: detail == 0 ? job.deadline : now)
        case 3: return .retryDue(at: now)
        case 4: return .sandboxReleased(intent: stale)
        case 5: return .stepFinished(intent: stale, result: StepResult(exit: .exited(code: 0)), at: now)
        case 6: return .operatorResolved(resolution: Resolution.allCases[detail], note: "n")
        case 7: return .effectInDoubt(intent: stale, reason: "r")
        default: return .statusReported(intent: stale)
        }
    }

    /// Feeds `event`, checking the machine's invariants; returns whether it was accepted.
    @discardableResult
    mutating func feed(_ event: SandboxJobEvent) -> Bool {
        let wasTerminal = SandboxJob.latest.definition.isTerminal(state.name)
        do {
            let result = try job.checkedTransition(from: state, on: event, seq: seq + 1)
            #expect(!wasTerminal, "an event left terminal state \(state.name)")
            seq += 1
            if let answered = event.answers { pending.remove(answered) }
            pending.subtract(result.abandons)
            for intent in result.intents {
                pending.insert(intent.id)
                effects[intent.id] = intent.effect
                #expect((try? SandboxJobEffect(json: intent.effect.json)) == intent.effect)
            }
            #expect(pending == Set(job.awaited(in: result.state)), "pending intents differ from awaited in \(result.state.name)")
            #expect((try? SandboxJobState(json: result.state.json)) == result.state)
            #expect((try? SandboxJobEvent(json: event.json)) == event)
            state = result.state
            log.append((seq, event))
            states.append(state)
            return true
        } catch {
            #expect(error.code != .undeclaredEdge && error.code != .malformedTransition, "machine defect: \(error)")
            if wasTerminal { #expect(error.code == .terminalState) }
            return false
        }
    }

    /// Moves time forward by up to `milliseconds`.
    mutating func tick(_ milliseconds: UInt64) {
        now = now.adding(milliseconds: Int64(milliseconds % 90_000))
    }
}

@Suite("SandboxJob: properties over random event sequences")
struct SandboxJobPropertyTests {
    static let jobs: [SandboxJob] = [
        Fixture.shell,
        Fixture.agent,
        SandboxJobScenarioTests.collectingShell,
        SandboxJobScenarioTests.collectingAgent,
        SandboxJob(input: JobSpec(kind: .shell, steps: [StepSpec(name: "deploy", run: "x")], collect: ["out"]), submittedAt: Fixture.t0),
        SandboxJob(input: JobSpec(kind: .agent, deadlineSeconds: 120, agent: AgentSpec(model: "m", prompt: "p", maxTurns: 1)), submittedAt: Fixture.t0),
        SandboxJob(input: JobSpec(kind: .shell, deadlineSeconds: 60, steps: [StepSpec(name: "only", run: "x", timeoutSeconds: 30, retry: RetryPolicy(maxAttempts: 3, backoffMilliseconds: 500), idempotent: true)]), submittedAt: Fixture.t0),
    ]

    static let choices = Gen.uint64(in: 0...UInt64.max).array(of: 1...120)

    @Test("random events: only expected refusals, terminal states absorb, pending intents equal awaited, JSON round-trips")
    func invariants() async {
        await propertyCheck(count: 400, input: Self.choices, Gen.int(in: 0...(Self.jobs.count - 1))) { choices, jobIndex in
            var driver = RandomDriver(job: Self.jobs[jobIndex])
            for choice in choices {
                driver.tick(choice >> 40)
                driver.feed(driver.event(for: choice, cooperative: false))
            }
        }
    }

    @Test("replaying any prefix of the journaled events, decoded from canonical bytes, gives the same states")
    func replayEqualsIncremental() async {
        await propertyCheck(count: 300, input: Self.choices, Gen.int(in: 0...(Self.jobs.count - 1))) { choices, jobIndex in
            var driver = RandomDriver(job: Self.jobs[jobIndex])
            for choice in choices {
                driver.tick(choice >> 40)
                driver.feed(driver.event(for: choice, cooperative: false))
            }
            // Replay from the start, as the journal would: events from their stored bytes.
            let journal = driver.log.map { ($0.seq, $0.event.json.canonicalBytes) }
            let replayer = SandboxJob(input: try JobSpec(json: JSONValue.parse(driver.job.input.json.canonicalBytes)), submittedAt: driver.job.submittedAt)
            var state = try replayer.checkedStart().state
            #expect(state.json.canonicalBytes == driver.states[0].json.canonicalBytes)
            for (index, (seq, bytes)) in journal.enumerated() {
                let event = try SandboxJobEvent(json: JSONValue.parse(bytes))
                state = try replayer.checkedTransition(from: state, on: event, seq: seq).state
                #expect(state.json.canonicalBytes == driver.states[index + 1].json.canonicalBytes, "diverged at record \(seq)")
            }
        }
    }

    @Test("from any reachable state, cooperative outcomes reach a terminal state: no run is stuck")
    func alwaysTerminates() async {
        await propertyCheck(count: 300, input: Self.choices, Gen.int(in: 0...(Self.jobs.count - 1))) { choices, jobIndex in
            var driver = RandomDriver(job: Self.jobs[jobIndex])
            for choice in choices {
                driver.tick(choice >> 40)
                driver.feed(driver.event(for: choice, cooperative: false))
            }
            var steps = 0
            while !SandboxJob.latest.definition.isTerminal(driver.state.name), steps < 200 {
                driver.tick(60_000)
                let accepted = driver.feed(driver.event(for: UInt64(steps), cooperative: true))
                #expect(accepted, "cooperative event refused in \(driver.state.name)")
                steps += 1
            }
            #expect(SandboxJob.latest.definition.isTerminal(driver.state.name), "stuck in \(driver.state)")
        }
    }

    @Test("the next wakeup is when the timer event becomes due, and never before")
    func wakeups() async {
        await propertyCheck(count: 300, input: Self.choices, Gen.int(in: 0...(Self.jobs.count - 1))) { choices, jobIndex in
            var driver = RandomDriver(job: Self.jobs[jobIndex])
            for choice in choices {
                driver.tick(choice >> 40)
                driver.feed(driver.event(for: choice, cooperative: false))
                let job = driver.job
                guard let wakeup = job.nextWakeup(in: driver.state) else {
                    #expect(job.timerEvent(in: driver.state, at: Timestamp(milliseconds: .max / 2)) == nil)
                    continue
                }
                #expect(job.timerEvent(in: driver.state, at: wakeup.adding(milliseconds: -1)) == nil)
                let due = try #require(job.timerEvent(in: driver.state, at: wakeup))
                _ = try job.checkedTransition(from: driver.state, on: due, seq: driver.seq + 1)
            }
        }
    }

    @Test("the random driver reaches every state and takes every edge, so the properties above are not vacuous")
    func driverCoverage() {
        var visited: Set<String> = []
        var edges: Set<String> = []
        var random = SplitMix(seed: 42)
        for run in 0..<3000 {
            var driver = RandomDriver(job: Self.jobs[run % Self.jobs.count])
            for _ in 0..<60 {
                let choice = random.next()
                driver.tick(choice >> 40)
                let before = driver.state.name
                let event = driver.event(for: choice, cooperative: false)
                if driver.feed(event) {
                    edges.insert("\(before)|\(event.name)|\(driver.state.name)")
                }
                visited.insert(driver.state.name)
            }
        }
        #expect(Set(SandboxJob.latest.definition.states.map(\.name)).subtracting(visited).sorted() == [])
        let declared = Set(SandboxJob.latest.definition.edges.map { "\($0.from)|\($0.event)|\($0.to)" })
        #expect(declared.subtracting(edges).sorted() == [])
    }
}
