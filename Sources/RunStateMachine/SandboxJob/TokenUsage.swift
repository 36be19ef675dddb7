/// Tokens a model call (or a whole run) consumed.
public struct TokenUsage: Hashable, Sendable {
    /// Input tokens.
    public var input: Int
    /// Output tokens.
    public var output: Int

    /// Creates a usage figure.
    public init(input: Int = 0, output: Int = 0) {
        self.input = input
        self.output = output
    }

    /// Input plus output.
    public var total: Int { input.addingSaturated(output) }

    /// The sum of two usages, saturating (counts come from a model provider's answers).
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(input: lhs.input.addingSaturated(rhs.input), output: lhs.output.addingSaturated(rhs.output))
    }
}

extension TokenUsage: JSONCodable {
    /// Decodes `{"input":..,"output":..}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(input: try fields.int("input"), output: try fields.int("output"))
    }

    /// `{"input":..,"output":..}`.
    public var json: JSONValue { ["input": .int(Int64(input)), "output": .int(Int64(output))] }
}
