/// What a tool call produced, as it will be sent back to the model (capped and redacted by the
/// executor before it reaches the journal).
public struct ToolResult: Hashable, Sendable {
    /// Whether the tool failed.
    public var isError: Bool
    /// The text returned to the model.
    public var content: String
    /// Why the sandbox the tool ran in is gone, if it is: the run cannot go on.
    public var sandboxLost: String?

    /// Creates a tool result.
    public init(isError: Bool, content: String, sandboxLost: String? = nil) {
        self.isError = isError
        self.content = content
        self.sandboxLost = sandboxLost
    }
}

extension ToolResult: JSONCodable {
    /// Decodes `{"isError":..,"content":..}` (and `"sandboxLost"` when present).
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(isError: try fields.bool("isError"), content: try fields.string("content"), sandboxLost: try fields.optionalString("sandboxLost"))
    }

    /// `{"isError":..,"content":..}`, plus `"sandboxLost"` when the sandbox is gone.
    public var json: JSONValue {
        var members: JSONObject = ["content": .string(content), "isError": .bool(isError)]
        if let sandboxLost { members["sandboxLost"] = .string(sandboxLost) }
        return .object(members)
    }
}
