import Effects
import RunStateMachine
import Testing

/// A model provider's answers at the edges of their types: capped, never a trap.
@Suite("Hostile input never traps: model responses")
struct HostileResponseTests {
    @Test("a retry-after of any size is capped at a day", arguments: [
        ["retry-after-ms": "1e19"], ["retry-after-ms": "9223372036854775807"], ["retry-after": "1e16"], ["retry-after": "1e308"],
    ])
    func retryAfterIsCapped(headers: [String: String]) {
        #expect(AnthropicMessages.retryAfterMilliseconds(headers) == AnthropicMessages.maxRetryAfterMilliseconds)
    }

    @Test("ordinary retry-after values are kept")
    func ordinaryRetryAfter() {
        #expect(AnthropicMessages.retryAfterMilliseconds(["retry-after-ms": "1500.2"]) == 1501)
        #expect(AnthropicMessages.retryAfterMilliseconds(["retry-after": "2"]) == 2000)
        #expect(AnthropicMessages.retryAfterMilliseconds(["retry-after": "-1"]) == nil)
        #expect(AnthropicMessages.retryAfterMilliseconds(["retry-after": "nan"]) == nil)
    }

    @Test("a 429 asking for an absurd wait is classified with the capped wait")
    func absurdWaitClassified() {
        let outcome = AnthropicMessages.classify(status: 429, headers: ["retry-after-ms": "1e19"], body: [])
        guard case .rejected(_, let wait) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(wait == AnthropicMessages.maxRetryAfterMilliseconds)
    }

    @Test("token counts at the 64-bit limit are capped, so adding them up cannot overflow")
    func hugeTokenCounts() throws {
        let body: JSONValue = [
            "id": "msg_1", "type": "message", "role": "assistant", "stop_reason": "end_turn",
            "content": [["type": "text", "text": "ok"]],
            "usage": [
                "input_tokens": .int(.max), "output_tokens": .int(.max),
                "cache_creation_input_tokens": .int(.max), "cache_read_input_tokens": .int(.max),
            ],
        ]
        let response = try #require(AnthropicMessages.decodeResponse(body.canonicalBytes, requestID: "req"))
        #expect(response.usage.input == 3_000_000_000_000)
        #expect(response.usage.output == 1_000_000_000_000)
    }
}
