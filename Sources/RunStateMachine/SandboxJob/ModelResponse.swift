/// A model's complete response to one call, journaled in full before any tool runs.
public struct ModelResponse: Hashable, Sendable {
    /// The provider's message id.
    public var id: String?
    /// The provider's request id, for support tickets.
    public var requestID: String?
    /// Why the model stopped: `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`, ...
    public var stopReason: String
    /// The response's content blocks, exactly as received.
    public var content: JSONValue
    /// Tokens used by this call.
    public var usage: TokenUsage

    /// Creates a response.
    public init(id: String? = nil, requestID: String? = nil, stopReason: String, content: JSONValue, usage: TokenUsage) {
        self.id = id
        self.requestID = requestID
        self.stopReason = stopReason
        self.content = content
        self.usage = usage
    }

    /// The `tool_use` blocks of ``content``, in order.
    public var toolCalls: [ToolCallRef] {
        guard case .array(let blocks) = content else { return [] }
        return blocks.compactMap { block in
            guard case .object(let members) = block, members["type"] == .string("tool_use"),
                case .string(let id)? = members["id"], case .string(let name)? = members["name"]
            else { return nil }
            return ToolCallRef(id: id, name: name)
        }
    }
}

extension ModelResponse: JSONCodable {
    /// Decodes the journaled form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(
            id: try fields.optionalString("id"),
            requestID: try fields.optionalString("requestID"),
            stopReason: try fields.string("stopReason"),
            content: try fields.required("content"),
            usage: try fields.decode("usage")
        )
    }

    /// The journaled form.
    public var json: JSONValue {
        var members: JSONObject = ["content": content, "stopReason": .string(stopReason), "usage": usage.json]
        if let id { members["id"] = .string(id) }
        if let requestID { members["requestID"] = .string(requestID) }
        return .object(members)
    }
}
