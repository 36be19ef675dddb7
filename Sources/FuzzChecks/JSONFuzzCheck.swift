import RunStateMachine

/// The JSON parser: an accepted document encodes canonically to bytes that parse back to the
/// same value and encode to the same bytes again (parse ∘ encode is the identity on accepted
/// input), and its nesting is within the bound it was parsed with, which holds exactly.
public enum JSONFuzzCheck {
    /// The nesting bound the checks parse with (the parser's default).
    static let maxDepth = 64

    /// Checks one input.
    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(input, maxDepth: maxDepth)
        } catch {
            return
        }
        let depth = Self.depth(of: value)
        guard depth <= maxDepth else {
            throw FuzzFailure("accepted a document nested \(depth) deep, over the bound \(maxDepth)")
        }
        if depth > 0, (try? JSONValue.parse(input, maxDepth: depth - 1)) != nil {
            throw FuzzFailure("accepted a document nested \(depth) deep under the bound \(depth - 1)")
        }
        let canonical = value.canonicalBytes
        let reparsed: JSONValue
        do {
            reparsed = try JSONValue.parse(canonical, maxDepth: maxDepth)
        } catch {
            throw FuzzFailure("the canonical form of an accepted document does not parse: \(error)")
        }
        guard reparsed == value else {
            throw FuzzFailure("the canonical form parses to another value")
        }
        guard reparsed.canonicalBytes == canonical else {
            throw FuzzFailure("the canonical form is not a fixed point of parse and encode")
        }
    }

    /// How deeply arrays and objects nest in `value` (0 for a scalar).
    static func depth(of value: JSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(depth(of:)).max() ?? 0)
        case .object(let object): 1 + (object.members.map { depth(of: $0.value) }.max() ?? 0)
        default: 0
        }
    }
}
