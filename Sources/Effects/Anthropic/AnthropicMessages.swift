import RunStateMachine

/// The Messages API's wire format: the request body of an agent turn, the response decoder and
/// the classification of every HTTP answer into a ``ModelCallOutcome``.
///
/// Pure functions over bytes and headers, so each rule is tested by a table; ``AnthropicClient``
/// does the HTTP.
public enum AnthropicMessages {
    /// The request body for the next turn of `agent` with the conversation `messages`.
    public static func requestBody(agent: AgentSpec, messages: [JSONValue]) -> JSONValue {
        var body: JSONObject = [
            "model": .string(agent.model),
            "max_tokens": .int(Int64(agent.maxTokens)),
            "messages": .array(messages),
        ]
        if let system = agent.system {
            body["system"] = .string(system)
        }
        if !agent.tools.isEmpty {
            body["tools"] = .array(agent.tools.map(AgentToolbox.definition))
        }
        return .object(body)
    }

    /// The response of a successful call, or `nil` if `body` is not a Messages response.
    ///
    /// Input tokens count cache writes and reads too (they are billed as input); content blocks
    /// are kept exactly as received, unknown ones included, so they can be sent back.
    public static func decodeResponse(_ body: [UInt8], requestID: String?) -> ModelResponse? {
        guard case .object(let message)? = try? JSONValue.parse(body),
            case .string(let stopReason)? = message["stop_reason"],
            case .array(let content)? = message["content"],
            case .object(let usage)? = message["usage"]
        else { return nil }
        // Counts are capped (far above any real call) so that adding them up cannot overflow.
        func tokens(_ name: String) -> Int {
            if case .int(let n)? = usage[name], n >= 0 { return Int(min(n, Self.maxTokenCount)) }
            return 0
        }
        var id: String?
        if case .string(let value)? = message["id"] { id = value }
        let input = tokens("input_tokens") + tokens("cache_creation_input_tokens") + tokens("cache_read_input_tokens")
        return ModelResponse(
            id: id,
            requestID: requestID,
            stopReason: stopReason,
            content: .array(content),
            usage: TokenUsage(input: input, output: tokens("output_tokens"))
        )
    }

    /// Classifies an HTTP answer. `headers` maps lower-cased names to values.
    ///
    /// `x-should-retry` decides first when present. Otherwise: 2xx is a response (an unreadable
    /// one is ambiguous); 408, 409, 429 and 529 were refused unprocessed, except a 429 for a
    /// spend limit, which will not clear by waiting; other 5xx are ambiguous; other 4xx are
    /// definitive. Waits come from `retry-after-ms`, then `retry-after` (seconds).
    public static func classify(status: Int, headers: [String: String], body: [UInt8]) -> ModelCallOutcome {
        let requestID = headers["request-id"]
        if (200..<300).contains(status) {
            if let response = decodeResponse(body, requestID: requestID) {
                return .responded(response)
            }
            return .ambiguous(reason: "HTTP \(status) with a body that is not a Messages response\(suffix(requestID))", retryAfterMilliseconds: nil)
        }
        let error = APIError(body: body)
        let reason = "HTTP \(status) \(error.type ?? "error"): \(error.message ?? "no message")\(suffix(requestID))"
        let wait = retryAfterMilliseconds(headers)
        switch headers["x-should-retry"] {
        case "true":
            return status >= 500 && status != 529 && status != 503 ? .ambiguous(reason: reason, retryAfterMilliseconds: wait) : .rejected(reason: reason, retryAfterMilliseconds: wait)
        case "false":
            return .failed(reason: reason + advice(status: status, error: error))
        default:
            break
        }
        switch status {
        case 429 where error.code?.hasSuffix("spend_limit_reached") == true:
            return .failed(reason: reason + " (a spend limit: raise it in the Anthropic console; waiting will not help)")
        case 408, 409, 429, 503, 529:
            return .rejected(reason: reason, retryAfterMilliseconds: wait)
        case 500...:
            return .ambiguous(reason: reason, retryAfterMilliseconds: wait)
        default:
            return .failed(reason: reason + advice(status: status, error: error))
        }
    }

    /// The most tokens one count of a response is taken to have (10^12).
    static let maxTokenCount: Int64 = 1_000_000_000_000

    /// The longest wait taken from a response's headers: a day (the run's deadline, at most 7
    /// days, still applies). A longer one is taken as this.
    public static let maxRetryAfterMilliseconds: Int64 = 86_400_000

    /// The wait the API asked for, in milliseconds: `retry-after-ms`, else `retry-after` in
    /// seconds (an HTTP date is not used: the backoff applies instead), at most
    /// ``maxRetryAfterMilliseconds``.
    public static func retryAfterMilliseconds(_ headers: [String: String]) -> Int64? {
        let cap = Double(maxRetryAfterMilliseconds)
        if let ms = headers["retry-after-ms"].flatMap(Double.init), ms.isFinite, ms >= 0 {
            return Int64(min(ms.rounded(.up), cap))
        }
        if let seconds = headers["retry-after"].flatMap(Double.init), seconds.isFinite, seconds >= 0 {
            return Int64(min((seconds * 1000).rounded(.up), cap))
        }
        return nil
    }

    private static func suffix(_ requestID: String?) -> String {
        requestID.map { " (request \($0))" } ?? ""
    }

    private static func advice(status: Int, error: APIError) -> String {
        switch status {
        case 401: " (check the worker's ANTHROPIC_API_KEY and ANTHROPIC_AUTH_STYLE)"
        case 403: " (the key may not use this model or feature)"
        case 404: " (check the spec's agent.model)"
        case 413: " (the conversation is too large: lower agent.maxTurns or the tools' output)"
        default: ""
        }
    }

    /// The error envelope `{"type":"error","error":{"type","message","details":{"error_code"}}}`.
    struct APIError {
        var type: String?
        var message: String?
        var code: String?

        init(body: [UInt8]) {
            guard case .object(let envelope)? = try? JSONValue.parse(body), case .object(let error)? = envelope["error"] else {
                let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharactersInWhitespace()
                message = text.isEmpty ? nil : text
                return
            }
            if case .string(let value)? = error["type"] { type = value }
            if case .string(let value)? = error["message"] { message = value }
            if case .object(let details)? = error["details"], case .string(let value)? = details["error_code"] { code = value }
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    fileprivate func trimmingCharactersInWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
