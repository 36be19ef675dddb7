/// The provider's id of a sandbox.
public struct SandboxID: Hashable, Sendable, CustomStringConvertible {
    /// The id as the provider gave it.
    public var value: String

    /// Wraps a provider's sandbox id.
    public init(_ value: String) {
        self.value = value
    }

    /// The id.
    public var description: String { value }
}

extension SandboxID: JSONCodable {
    /// Decodes the id string.
    public init(json: JSONValue) throws(JSONDecodingError) {
        self.init(try String(json: json))
    }

    /// The id string.
    public var json: JSONValue { .string(value) }
}
