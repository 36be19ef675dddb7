/// A tool call the model asked for, by reference: its `tool_use` id and tool name.
///
/// The call's input stays in the journaled model response; states and intents carry only this
/// reference so a large input is journaled once.
public struct ToolCallRef: Hashable, Sendable {
    /// The `tool_use` block's id.
    public var id: String
    /// The tool's name.
    public var name: String

    /// Creates a reference.
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

extension ToolCallRef: JSONCodable {
    /// Decodes `{"id":..,"name":..}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(id: try fields.string("id"), name: try fields.string("name"))
    }

    /// `{"id":..,"name":..}`.
    public var json: JSONValue { ["id": .string(id), "name": .string(name)] }
}
