import RunStateMachine
import Testing

/// Values from outside at the edges of their types: each is a typed refusal or a saturated
/// value, never a trap. Each of these trapped before.
@Suite("Hostile input never traps: the machine and the spec")
struct HostileInputTests {
    static func problems(_ text: String) -> [SpecProblem] {
        do {
            _ = try JobSpec.validate(Array(text.utf8))
            return []
        } catch {
            return error.problems
        }
    }

    @Test(
        "a backoff of any 64-bit or huge fractional number of seconds is refused, naming its path",
        arguments: ["-9223372036854775808", "9223372036854775807", "-9223372036854775807", "9300000000000000", "-1e300", "1e300", "9.3e15"]
    )
    func extremeBackoff(seconds: String) {
        let problems = Self.problems(#"{"kind":"shell","steps":[{"run":"true","retry":{"maxAttempts":2,"backoffSeconds":\#(seconds)}}]}"#)
        #expect(problems.map(\.path) == ["$.steps[0].retry.backoffSeconds"], "\(problems)")
        #expect(problems.first?.message == "is out of range")
    }

    @Test("whole numbers of every size in every numeric field are accepted or refused with a problem", arguments: [
        "deadlineSeconds", "timeoutSeconds",
    ])
    func extremeIntegers(field: String) {
        for value in ["-9223372036854775808", "9223372036854775807", "1e300", "-0", "0.5"] {
            let spec = field == "deadlineSeconds"
                ? #"{"kind":"shell","deadlineSeconds":\#(value),"steps":[{"run":"true"}]}"#
                : #"{"kind":"shell","steps":[{"run":"true","timeoutSeconds":\#(value)}]}"#
            _ = Self.problems(spec)
        }
    }

    @Test("token counts at the limit saturate instead of overflowing, in the machine and in the cost")
    func tokenCountsSaturate() throws {
        let huge = TokenUsage(input: .max, output: .max)
        #expect(huge.total == .max)
        #expect((huge + huge) == huge)
        let job = SandboxJob(
            input: JobSpec(kind: .agent, deadlineSeconds: 3600, agent: AgentSpec(model: "m", prompt: "p", maxTurns: 3, tokenBudget: 10)),
            submittedAt: Timestamp(milliseconds: 0)
        )
        let intent = IntentID(seq: 4, index: 0)
        let state = SandboxJobState.awaitingModel(turn: 1, attempt: 1, sandbox: SandboxID("s"), usage: TokenUsage(input: .max, output: 1), intent: intent)
        let response = ModelResponse(
            stopReason: "tool_use",
            content: [["type": "tool_use", "id": "t", "name": "shell", "input": [:]]],
            usage: TokenUsage(input: .max, output: .max)
        )
        let result = try job.checkedTransition(from: state, on: .modelResponded(intent: intent, response: response), seq: 9)
        #expect(result.state.name == "compensating")
        #expect(state.description.contains("\(Int.max) tokens"))
        var cost = RunCost()
        cost.record(.modelResponded(intent: intent, response: response), at: Timestamp(milliseconds: 0))
        cost.record(.modelResponded(intent: intent, response: response), at: Timestamp(milliseconds: 0))
        #expect(cost.tokens == huge)
        cost.record(.sandboxCreated(intent: intent, sandbox: SandboxID("s")), at: Timestamp(milliseconds: .min))
        #expect(cost.sandboxMilliseconds(asOf: Timestamp(milliseconds: .max)) == .max)
    }

    @Test("every instant prints, the first and last of 64 bits included; ordinary ones as before")
    func timestampsPrint() {
        #expect(Timestamp(milliseconds: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 1_800_000_000_123).description == "2027-01-15T08:00:00.123Z")
        for milliseconds in [Int64.min, .min + 1, .max, .max - 1] {
            #expect(!Timestamp(milliseconds: milliseconds).description.isEmpty)
        }
    }

    @Test("states and effects read from a journal print whatever their numbers")
    func statesPrint() {
        let sandbox = SandboxID("s")
        let intent = IntentID(seq: 1, index: 0)
        let states: [SandboxJobState] = [
            .running(step: .max, attempt: .max, sandbox: sandbox, intent: intent),
            .runningTools(turn: 1, calls: [], next: .max, sandbox: sandbox, usage: TokenUsage(), intent: intent),
            .runningTools(turn: 1, calls: [ToolCallRef(id: "a", name: "shell")], next: -1, sandbox: sandbox, usage: TokenUsage(), intent: intent),
            .retryWait(.step(index: .max, attempt: 1, sandbox: sandbox), notBefore: Timestamp(milliseconds: .min)),
            .failed(.stepFailed(step: .max, exit: .exited(code: 1))),
        ]
        for state in states {
            #expect(!state.description.isEmpty)
        }
        let effects: [SandboxJobEffect] = [
            .runStep(sandbox: sandbox, index: .max, attempt: 1),
            .runTool(sandbox: sandbox, turn: 1, index: .max, call: ToolCallRef(id: "a", name: "shell")),
        ]
        for effect in effects {
            #expect(!effect.description.isEmpty)
        }
    }

    @Test("a revision number of any size is looked up, not trapped on")
    func revisionNumbers() {
        for number in [Int.min, -1, 0, 2, Int.max] {
            #expect(SandboxJob.revision(number) == nil)
        }
    }

    @Test("saturating arithmetic stops at the bounds")
    func saturating() {
        #expect(Int64.max.addingSaturated(1) == .max)
        #expect(Int64.min.addingSaturated(-1) == .min)
        #expect(Int64.min.subtractingSaturated(1) == .min)
        #expect(Int64.max.subtractingSaturated(-1) == .max)
        #expect(Int64.max.multipliedSaturated(by: 2) == .max)
        #expect(Int64.min.multipliedSaturated(by: 2) == .min)
        #expect(Int64.min.multipliedSaturated(by: -1) == .max)
        #expect(Int64(3).multipliedSaturated(by: -4) == -12)
    }
}
