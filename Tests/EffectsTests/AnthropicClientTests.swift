import Effects
import RunStateMachine
import Testing
import TestSupport

@Suite("Anthropic client against the loopback fake")
struct AnthropicClientTests {
    static let key = "sk-ant-test-0123456789"
    static let agent = AgentSpec(model: "claude-fake", prompt: "Create hello.txt containing hi, then show it.")
    static var firstTurn: JSONValue {
        AnthropicMessages.requestBody(agent: agent, messages: AgentConversation().messages(prompt: agent.prompt))
    }

    func client(_ server: LoopbackHTTPServer, style: AnthropicConfiguration.AuthStyle = .xAPIKey, timeout: Int = 10) -> AnthropicClient {
        var configuration = AnthropicConfiguration(baseURL: server.baseURL)
        configuration.authStyle = style
        configuration.requestTimeoutSeconds = timeout
        return AnthropicClient(configuration: configuration)
    }

    @Test("a turn is one POST with the key, the version and the body; the response comes back whole")
    func success() async throws {
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        for style in AnthropicConfiguration.AuthStyle.allCases {
            let outcome = try await client(server, style: style).createMessage(Self.firstTurn, apiKey: Self.key)
            guard case .responded(let response) = outcome else { Issue.record("\(style): \(outcome)"); continue }
            #expect(response.stopReason == "tool_use")
            #expect(response.toolCalls == [ToolCallRef(id: "toolu_fake_1", name: "write_file")])
            #expect(response.requestID?.hasPrefix("req_fake_") == true)
            #expect(response.usage == TokenUsage(input: 100, output: 20))
        }
        let received = fake.received
        #expect(received.count == 2)
        #expect(received[0].headers["x-api-key"] == Self.key)
        #expect(received[1].headers["authorization"] == "Bearer \(Self.key)")
        #expect(received.allSatisfy { $0.headers["anthropic-version"] == AnthropicConfiguration.defaultVersion })
    }

    @Test("429 with and without retry-after and 529 are rejections to retry; a spend limit is final")
    func rateLimits() async throws {
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        fake.enqueue(
            .error(status: 429, type: "rate_limit_error", message: "slow down", headers: ["retry-after": "3"]),
            .error(status: 429, type: "rate_limit_error", message: "slow down"),
            .error(status: 529, type: "overloaded_error", message: "Overloaded", headers: ["x-should-retry": "true"]),
            .error(status: 500, type: "api_error", message: "Internal server error")
        )
        let client = client(server)
        var outcomes: [ModelCallOutcome] = []
        for _ in 0..<5 {
            outcomes.append(try await client.createMessage(Self.firstTurn, apiKey: Self.key))
        }
        #expect(outcomes[0] == .rejected(reason: "HTTP 429 rate_limit_error: slow down (request req_fake_1)", retryAfterMilliseconds: 3000))
        #expect(outcomes[1] == .rejected(reason: "HTTP 429 rate_limit_error: slow down (request req_fake_2)", retryAfterMilliseconds: nil))
        #expect(outcomes[2] == .rejected(reason: "HTTP 529 overloaded_error: Overloaded (request req_fake_3)", retryAfterMilliseconds: nil))
        #expect(outcomes[3] == .ambiguous(reason: "HTTP 500 api_error: Internal server error (request req_fake_4)", retryAfterMilliseconds: nil))
        guard case .responded = outcomes[4] else { Issue.record("the fifth call should succeed: \(outcomes[4])"); return }
    }

    @Test("a wrong key is a definitive failure that does not echo the key")
    func wrongKey() async throws {
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let outcome = try await client(server).createMessage(Self.firstTurn, apiKey: "sk-ant-wrong")
        guard case .failed(let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason.contains("HTTP 401 authentication_error"))
        #expect(reason.contains("ANTHROPIC_API_KEY"))
        #expect(!reason.contains("sk-ant-wrong"))
    }

    @Test("a stalled response, a dropped connection and a refused connection are classified, not hung on")
    func transportFailures() async throws {
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        fake.enqueue(.stallAfterHeaders, .stall(seconds: 5), .drop)
        let client = client(server, timeout: 1)
        let stalledBody = try await client.createMessage(Self.firstTurn, apiKey: Self.key)
        let stalledHeaders = try await client.createMessage(Self.firstTurn, apiKey: Self.key)
        let dropped = try await client.createMessage(Self.firstTurn, apiKey: Self.key)
        #expect(stalledBody == .ambiguous(reason: "no complete response within 1 s", retryAfterMilliseconds: nil))
        #expect(stalledHeaders == .ambiguous(reason: "no complete response within 1 s", retryAfterMilliseconds: nil))
        guard case .ambiguous = dropped else { Issue.record("dropped: \(dropped)"); return }
        await server.stop()
        let refused = try await client.createMessage(Self.firstTurn, apiKey: Self.key)
        guard case .rejected = refused else { Issue.record("refused: \(refused)"); return }
    }

    @Test("the fake refuses a conversation with a tool_use left unanswered, in the API's words")
    func pairing() async throws {
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let messages: [JSONValue] = [
            ["role": "user", "content": "p"],
            ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_9", "name": "shell", "input": ["command": "ls"]]]],
            ["role": "user", "content": "go on"],
        ]
        let outcome = try await client(server).createMessage(AnthropicMessages.requestBody(agent: Self.agent, messages: messages), apiKey: Self.key)
        #expect(outcome == .failed(reason:
            "HTTP 400 invalid_request_error: messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_9. Each `tool_use` block must have a corresponding `tool_result` block in the next message. (request req_fake_1)"
        ))
    }
}
