import RunStateMachine
import Synchronization

/// A loopback stand-in for Anthropic's Messages API speaking its recorded wire format
/// (`../shared/reference/external-apis.md` §2): it checks the key (either header style), the
/// `anthropic-version` header and the request body (model, max_tokens, alternating roles, every
/// `tool_use` answered by a `tool_result` in the next message, with the API's own 400 text), and
/// answers from a script: replies queued by the test first, then the `agent` policy, which
/// answers from the conversation it is sent.
public final class FakeAnthropic: Sendable {
    /// A scripted answer.
    public enum Reply: Sendable {
        /// A message with these content blocks and stop reason; usage is
        /// `(input, output)` tokens.
        case message(content: [JSONValue], stopReason: String, usage: (input: Int, output: Int))
        /// An error envelope with this status, error type and extra headers.
        case error(status: Int, type: String, message: String, headers: [String: String] = [:])
        /// Headers are sent, the body never comes.
        case stallAfterHeaders
        /// Nothing is sent for this long, then a 500.
        case stall(seconds: Int)
        /// The connection is closed without an answer.
        case drop
    }

    /// A request it received.
    public struct Received: Sendable {
        /// Headers, names lower-cased.
        public var headers: [String: String]
        /// The parsed body (`null` if it did not parse).
        public var body: JSONValue
        /// The number of assistant messages in the conversation sent: which turn was asked for
        /// (0 for the first).
        public var turn: Int
        /// The status it was answered with.
        public var status: Int
        /// The `request-id` it was answered with.
        public var requestID: String
    }

    private struct State {
        var queued: [Reply] = []
        var received: [Received] = []
        var sequence = 0
    }

    /// The key it accepts.
    public let apiKey: String
    private let agent: @Sendable (_ turn: Int, _ messages: [JSONValue]) -> Reply
    private let state = Mutex(State())

    /// A fake accepting `apiKey`, answering unscripted requests with `agent`.
    public init(apiKey: String, agent: @escaping @Sendable (_ turn: Int, _ messages: [JSONValue]) -> Reply = FakeAnthropic.helloFileAgent) {
        self.apiKey = apiKey
        self.agent = agent
    }

    /// Queues replies for the next requests, before the agent policy answers again.
    public func enqueue(_ replies: Reply...) {
        state.withLock { $0.queued += replies }
    }

    /// The requests received so far.
    public var received: [Received] {
        state.withLock { $0.received }
    }

    /// Serves on a new loopback server.
    public func serve() async throws -> LoopbackHTTPServer {
        try await LoopbackHTTPServer.start { [self] request in handle(request) }
    }

    /// Answers one HTTP request.
    public func handle(_ request: LoopbackRequest) -> LoopbackResponse {
        let body = (try? JSONValue.parse(request.body)) ?? .null
        var messages: [JSONValue] = []
        if case .object(let fields) = body, case .array(let list)? = fields["messages"] {
            messages = list
        }
        let turn = messages.count { message in
            if case .object(let fields) = message, fields["role"] == "assistant" { return true }
            return false
        }
        let (response, sequence) = answer(request, body: body, messages: messages, turn: turn)
        var delivered = response
        let requestID = "req_fake_\(sequence)"
        delivered.headers["request-id"] = requestID
        state.withLock { $0.received.append(Received(headers: request.headers, body: body, turn: turn, status: response.status, requestID: requestID)) }
        return delivered
    }

    private func answer(_ request: LoopbackRequest, body: JSONValue, messages: [JSONValue], turn: Int) -> (LoopbackResponse, Int) {
        let sequence = state.withLock { state -> Int in
            state.sequence += 1
            return state.sequence
        }
        let presented = request.headers["x-api-key"] ?? request.headers["authorization"].map { String($0.dropFirst("Bearer ".count)) }
        guard request.method == "POST", request.uri == "/v1/messages" else {
            return (Self.error(404, "not_found_error", "no route \(request.method) \(request.uri)"), sequence)
        }
        guard presented == apiKey else {
            return (Self.error(401, "authentication_error", "invalid x-api-key"), sequence)
        }
        guard request.headers["anthropic-version"] != nil else {
            return (Self.error(400, "invalid_request_error", "anthropic-version: header is required"), sequence)
        }
        if let problem = Self.validate(body, messages: messages) {
            return (Self.error(400, "invalid_request_error", problem), sequence)
        }
        let reply = state.withLock { state -> Reply? in state.queued.isEmpty ? nil : state.queued.removeFirst() } ?? agent(turn, messages)
        return (Self.response(reply, sequence: sequence), sequence)
    }

    private static func response(_ reply: Reply, sequence: Int) -> LoopbackResponse {
        switch reply {
        case .message(let content, let stopReason, let usage):
            let message: JSONValue = [
                "id": .string("msg_fake_\(sequence)"),
                "type": "message",
                "role": "assistant",
                "model": "claude-fake",
                "content": .array(content),
                "stop_reason": .string(stopReason),
                "stop_sequence": nil,
                "usage": ["input_tokens": .int(Int64(usage.input)), "output_tokens": .int(Int64(usage.output)), "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0],
            ]
            return LoopbackResponse(status: 200, headers: ["content-type": "application/json"], body: message.canonicalBytes)
        case .error(let status, let type, let message, let headers):
            var response = error(status, type, message)
            response.headers.merge(headers) { _, new in new }
            return response
        case .stallAfterHeaders:
            return LoopbackResponse(status: 200, headers: ["content-type": "application/json"], body: [], delivery: .headersOnly)
        case .stall(let seconds):
            var response = error(500, "api_error", "the fake stalled for \(seconds) s")
            response.delayMilliseconds = seconds * 1000
            return response
        case .drop:
            return LoopbackResponse(status: 500, delivery: .dropConnection)
        }
    }

    private static func error(_ status: Int, _ type: String, _ message: String) -> LoopbackResponse {
        let body: JSONValue = ["type": "error", "error": ["type": .string(type), "message": .string(message)], "request_id": "req_fake"]
        return LoopbackResponse(status: status, headers: ["content-type": "application/json"], body: body.canonicalBytes)
    }

    /// The API's checks of a request body, or `nil` if it passes.
    static func validate(_ body: JSONValue, messages: [JSONValue]) -> String? {
        guard case .object(let fields) = body else { return "the body is not a JSON object" }
        guard case .string? = fields["model"] else { return "model: Field required" }
        guard case .int(let maxTokens)? = fields["max_tokens"], maxTokens > 0 else { return "max_tokens: Field required" }
        guard !messages.isEmpty else { return "messages: at least one message is required" }
        var pending: [String] = []
        for (index, message) in messages.enumerated() {
            guard case .object(let message) = message, case .string(let role)? = message["role"], let content = message["content"] else {
                return "messages.\(index): role and content are required"
            }
            let expected = index % 2 == 0 ? "user" : "assistant"
            guard role == expected else {
                return "messages: roles must alternate between \"user\" and \"assistant\", starting with \"user\""
            }
            let blocks: [JSONObject]
            if case .array(let list) = content {
                blocks = list.compactMap { if case .object(let block) = $0 { block } else { nil } }
            } else {
                blocks = []
            }
            if !pending.isEmpty {
                let answered = Set(blocks.compactMap { block -> String? in
                    guard block["type"] == "tool_result", case .string(let id)? = block["tool_use_id"] else { return nil }
                    return id
                })
                let missing = pending.filter { !answered.contains($0) }
                if !missing.isEmpty {
                    return "messages.\(index - 1): `tool_use` ids were found without `tool_result` blocks immediately after: "
                        + missing.joined(separator: ", ")
                        + ". Each `tool_use` block must have a corresponding `tool_result` block in the next message."
                }
            }
            pending = role == "assistant"
                ? blocks.compactMap { block in
                    guard block["type"] == "tool_use", case .string(let id)? = block["id"] else { return nil }
                    return id
                }
                : []
        }
        if !pending.isEmpty {
            return "messages.\(messages.count - 1): `tool_use` ids were found without `tool_result` blocks immediately after: "
                + pending.joined(separator: ", ") + ". Each `tool_use` block must have a corresponding `tool_result` block in the next message."
        }
        return nil
    }

    /// The agent of the example: write `hello.txt` containing `hi`, show it, finish.
    /// Usage is deterministic: 100 input tokens per message sent, 20 output tokens per turn.
    public static let helloFileAgent: @Sendable (Int, [JSONValue]) -> Reply = { turn, messages in
        let usage = (input: 100 * messages.count, output: 20)
        switch turn {
        case 0:
            return .message(
                content: [
                    ["type": "text", "text": "I'll create the file."],
                    ["type": "tool_use", "id": "toolu_fake_1", "name": "write_file", "input": ["path": "hello.txt", "content": "hi\n"]],
                ],
                stopReason: "tool_use",
                usage: usage
            )
        case 1:
            return .message(
                content: [["type": "tool_use", "id": "toolu_fake_2", "name": "shell", "input": ["command": "cat hello.txt"]]],
                stopReason: "tool_use",
                usage: usage
            )
        default:
            return .message(content: [["type": "text", "text": "hello.txt contains: hi"]], stopReason: "end_turn", usage: usage)
        }
    }
}
