/// What a tool call produced, as it will be sent back to the model (capped and redacted by the
/// executor before it reaches the journal).
public struct ToolResult: Hashable, Sendable {
    /// Whether the tool failed.
    public var isError: Bool
    /// The text returned to the model.
    public var content: String

    /// Creates a tool result.
    public init(isError: Bool, content: String) {
        self.isError = isError
        self.content = content
    }
}

extension ToolResult: JSONCodable {
    /// Decodes `{"isError":..,"content":..}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(isError: try fields.bool("isError"), content: try fields.string("content"))
    }

    /// `{"isError":..,"content":..}`.
    public var json: JSONValue { ["content": .string(content), "isError": .bool(isError)] }
}
