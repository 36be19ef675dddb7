import Effects
import RunStateMachine
import Testing

@Suite("Anthropic Messages: wire format and outcome classes")
struct AnthropicMessagesTests {
    static func errorBody(_ type: String, _ message: String, code: String? = nil) -> [UInt8] {
        var error: JSONObject = ["type": .string(type), "message": .string(message)]
        if let code { error["details"] = ["error_code": .string(code)] }
        let body: JSONValue = ["type": "error", "error": .object(error), "request_id": "req_1"]
        return body.canonicalBytes
    }

    enum Class: Equatable {
        case responded, failed, rejected(Int64?), ambiguous(Int64?)
    }

    static func classOf(_ outcome: ModelCallOutcome) -> Class {
        switch outcome {
        case .responded: .responded
        case .failed: .failed
        case .rejected(_, let wait): .rejected(wait)
        case .ambiguous(_, let wait): .ambiguous(wait)
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var expected: Class
        var testDescription: String { "\(status) \(headers) → \(expected)" }
    }

    static let message: [UInt8] = Array(
        #"{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":3}}"#.utf8
    )

    static let rows: [Row] = [
        Row(status: 200, headers: [:], body: message, expected: .responded),
        Row(status: 200, headers: [:], body: Array("not json".utf8), expected: .ambiguous(nil)),
        Row(status: 400, headers: [:], body: errorBody("invalid_request_error", "bad"), expected: .failed),
        Row(status: 401, headers: [:], body: errorBody("authentication_error", "invalid x-api-key"), expected: .failed),
        Row(status: 402, headers: [:], body: errorBody("billing_error", "pay"), expected: .failed),
        Row(status: 404, headers: [:], body: errorBody("not_found_error", "model"), expected: .failed),
        Row(status: 408, headers: [:], body: errorBody("timeout_error", "slow"), expected: .rejected(nil)),
        Row(status: 409, headers: [:], body: errorBody("api_error", "conflict"), expected: .rejected(nil)),
        Row(status: 413, headers: [:], body: errorBody("request_too_large", "big"), expected: .failed),
        Row(status: 429, headers: ["retry-after": "2"], body: errorBody("rate_limit_error", "slow down"), expected: .rejected(2000)),
        Row(status: 429, headers: [:], body: errorBody("rate_limit_error", "slow down"), expected: .rejected(nil)),
        Row(status: 429, headers: ["retry-after-ms": "1500.2", "retry-after": "9"], body: errorBody("rate_limit_error", "x"), expected: .rejected(1501)),
        Row(status: 429, headers: ["retry-after": "5"], body: errorBody("rate_limit_error", "spend", code: "enforced_spend_limit_reached"), expected: .failed),
        Row(status: 429, headers: ["x-should-retry": "false"], body: errorBody("rate_limit_error", "no"), expected: .failed),
        Row(status: 500, headers: [:], body: errorBody("api_error", "oops"), expected: .ambiguous(nil)),
        Row(status: 502, headers: [:], body: Array("<html>bad gateway</html>".utf8), expected: .ambiguous(nil)),
        Row(status: 503, headers: [:], body: [], expected: .rejected(nil)),
        Row(status: 504, headers: ["retry-after": "1"], body: errorBody("timeout_error", "slow"), expected: .ambiguous(1000)),
        Row(status: 529, headers: ["x-should-retry": "true"], body: errorBody("overloaded_error", "Overloaded"), expected: .rejected(nil)),
        Row(status: 529, headers: [:], body: errorBody("overloaded_error", "Overloaded"), expected: .rejected(nil)),
        Row(status: 400, headers: ["x-should-retry": "true"], body: errorBody("invalid_request_error", "odd"), expected: .rejected(nil)),
        Row(status: 500, headers: ["x-should-retry": "false"], body: errorBody("api_error", "no"), expected: .failed),
    ]

    @Test("every status and header combination falls in its outcome class", arguments: rows)
    func classification(_ row: Row) {
        #expect(Self.classOf(AnthropicMessages.classify(status: row.status, headers: row.headers, body: row.body)) == row.expected)
    }

    @Test("a response keeps its content verbatim; input tokens include cache reads and writes")
    func decoding() throws {
        let outcome = AnthropicMessages.classify(status: 200, headers: ["request-id": "req_42"], body: Self.message)
        guard case .responded(let response) = outcome else { Issue.record("not a response: \(outcome)"); return }
        #expect(response.id == "msg_1")
        #expect(response.requestID == "req_42")
        #expect(response.stopReason == "end_turn")
        #expect(response.usage == TokenUsage(input: 13, output: 5))
        #expect(response.content == [["type": "text", "text": "hi"]])
    }

    @Test("errors name the status, the error type, the message, the request id and what to do")
    func reasons() {
        let outcome = AnthropicMessages.classify(status: 401, headers: ["request-id": "req_7"], body: Self.errorBody("authentication_error", "invalid x-api-key"))
        #expect(outcome == .failed(reason: "HTTP 401 authentication_error: invalid x-api-key (request req_7) (check the worker's ANTHROPIC_API_KEY and ANTHROPIC_AUTH_STYLE)"))
        let event = ModelCallOutcome.ambiguous(reason: "HTTP 500 api_error: x", retryAfterMilliseconds: 10).event(intent: IntentID(seq: 4, index: 0), at: Timestamp(milliseconds: 1))
        #expect(event == .modelCallFailed(intent: IntentID(seq: 4, index: 0), reason: "HTTP 500 api_error: x (the call may have been processed and billed)", retryable: true, retryAfterMilliseconds: 10, at: Timestamp(milliseconds: 1)))
    }

    @Test("the request carries model, max_tokens, system, the tools offered and the messages")
    func requestBody() {
        let agent = AgentSpec(model: "claude-x", system: "be brief", prompt: "p", maxTokens: 99, tools: [.shell])
        let body = AnthropicMessages.requestBody(agent: agent, messages: [["role": "user", "content": "p"]])
        guard case .object(let fields) = body else { Issue.record("not an object"); return }
        #expect(fields["model"] == "claude-x")
        #expect(fields["max_tokens"] == 99)
        #expect(fields["system"] == "be brief")
        #expect(fields["messages"] == [["role": "user", "content": "p"]])
        guard case .array(let tools)? = fields["tools"], case .object(let shell)? = tools.first else { Issue.record("no tools"); return }
        #expect(tools.count == 1)
        #expect(shell["name"] == "shell")
        #expect(shell["input_schema"] != nil)
    }

    @Test("configuration comes from the environment, with clear errors for values not understood")
    func configuration() throws {
        let defaults = try AnthropicConfiguration.fromEnvironment([:])
        #expect(defaults == AnthropicConfiguration())
        let custom = try AnthropicConfiguration.fromEnvironment([
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/", "ANTHROPIC_AUTH_STYLE": "bearer", "ANTHROPIC_VERSION": "2026-10-21", "ANTHROPIC_TIMEOUT_SECONDS": "30",
        ])
        #expect(custom.baseURL == "http://127.0.0.1:9")
        #expect(custom.authStyle == .bearer)
        #expect(custom.version == "2026-10-21")
        #expect(custom.requestTimeoutSeconds == 30)
        #expect(throws: ConfigurationError.self) { try AnthropicConfiguration.fromEnvironment(["ANTHROPIC_AUTH_STYLE": "basic"]) }
        #expect(throws: ConfigurationError.self) { try AnthropicConfiguration.fromEnvironment(["ANTHROPIC_BASE_URL": "api.anthropic.com"]) }
        #expect(throws: ConfigurationError.self) { try AnthropicConfiguration.fromEnvironment(["ANTHROPIC_TIMEOUT_SECONDS": "-1"]) }
    }
}
