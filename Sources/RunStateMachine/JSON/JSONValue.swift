/// A JSON document held as data.
///
/// Runlog reads job specs and journal payloads through this type rather than `Codable`, for two
/// reasons measured on this machine: the spec validator must see unknown fields and duplicate
/// keys (which `JSONDecoder` silently accepts), and replay decodes every journal event, where
/// Foundation's decoder costs about 6 µs per small event.
///
/// Integers and fractional numbers are kept apart: `3` parses as ``int(_:)`` and `3.0` as
/// ``double(_:)``, so a spec that writes `"timeoutSeconds": 1.5` gets a precise error instead of a
/// silent truncation.
public enum JSONValue: Sendable, Hashable {
    /// The literal `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written without fraction or exponent that fits in 64 bits.
    case int(Int64)
    /// Any other finite number.
    case double(Double)
    /// A string (always valid Unicode).
    case string(String)
    /// An ordered list of values.
    case array([JSONValue])
    /// An object; keys are unique (the parser rejects duplicates).
    case object(JSONObject)
}

extension JSONValue {
    /// A short name of the value's JSON type, for error messages (`"string"`, `"integer"`, ...).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Builds the JSON form of an enum case: `{"name": {fields}}`, or the bare string `"name"`
    /// when the case carries no fields.
    ///
    /// - Parameters:
    ///   - name: The case name.
    ///   - fields: The case's associated values, by label.
    /// - Returns: The tagged value; decode it with ``JSONValue/tagged()``.
    public static func tagged(_ name: String, _ fields: JSONObject = [:]) -> JSONValue {
        fields.isEmpty ? .string(name) : .object(JSONObject(key: name, value: .object(fields)))
    }

    /// Splits a value built by ``JSONValue/tagged(_:_:)`` into its case name and fields.
    ///
    /// - Throws: ``JSONDecodingError`` if the value is neither a string nor an object with exactly
    ///   one member whose value is an object.
    public func tagged() throws(JSONDecodingError) -> (name: String, fields: JSONFields) {
        switch self {
        case .string(let name):
            return (name, JSONFields(values: [:]))
        case .object(let members) where members.count == 1:
            let name = members.members[0].key
            let payload = members.members[0].value
            guard case .object(let values) = payload else {
                throw JSONDecodingError(path: name, problem: "expected an object, found \(payload.typeName)")
            }
            return (name, JSONFields(values: values, path: name))
        default:
            throw JSONDecodingError(path: "", problem: "expected a case name or a one-member object, found \(typeName)")
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// A string literal is a JSON string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer literal is a JSON integer.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A Boolean literal is a JSON Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal is a JSON array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal is a JSON object; a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(pairs: elements))
    }
    /// `nil` is JSON `null`.
    public init(nilLiteral: ()) { self = .null }
}
