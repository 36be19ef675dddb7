import RunStateMachine
import Testing

@Suite("Run cost")
struct RunCostTests {
    @Test("tokens and calls add up; sandbox time counts from creation to release, and a held sandbox to now")
    func folding() {
        var cost = RunCost()
        let intent = IntentID(seq: 1, index: 0)
        func at(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }
        cost.record(.sandboxCreated(intent: intent, sandbox: SandboxID("s1")), at: at(1_000))
        cost.record(.modelResponded(intent: intent, response: ModelResponse(stopReason: "tool_use", content: [], usage: TokenUsage(input: 100, output: 7))), at: at(2_000))
        cost.record(.modelCallFailed(intent: intent, reason: "429", retryable: true, retryAfterMilliseconds: nil, at: at(2_500)), at: at(2_500))
        cost.record(.modelResponded(intent: intent, response: ModelResponse(stopReason: "end_turn", content: [], usage: TokenUsage(input: 150, output: 3))), at: at(3_000))
        #expect(cost.sandboxMilliseconds(asOf: at(4_000)) == 3_000)
        #expect(cost.summary(asOf: at(4_000)) == "250 in / 10 out tokens (2 model calls, 1 failed); sandbox 3.0 s (still held)")
        cost.record(.sandboxReleased(intent: intent), at: at(5_500))
        #expect(cost.sandboxMilliseconds(asOf: at(9_000)) == 4_500)
        #expect(cost.json(asOf: at(9_000)) == ["tokensIn": 250, "tokensOut": 10, "modelCalls": 2, "failedModelCalls": 1, "sandboxSeconds": .double(4.5)])
    }
}
