/// Typed, path-aware access to the members of a JSON object.
///
/// Every accessor that fails throws a ``JSONDecodingError`` whose path names the member, so a
/// nested decode reports `steps[1].retry.maxAttempts` rather than "type mismatch".
public struct JSONFields: Sendable {
    /// The members.
    public let values: JSONObject
    /// The path of this object, used as the prefix of errors.
    public let path: String

    /// Wraps members that are already known to form an object.
    public init(values: JSONObject, path: String = "") {
        self.values = values
        self.path = path
    }

    /// Reads `value` as an object.
    ///
    /// - Throws: ``JSONDecodingError`` if `value` is not an object.
    public init(_ value: JSONValue, path: String = "") throws(JSONDecodingError) {
        guard case .object(let members) = value else {
            throw JSONDecodingError(path: path, problem: "expected an object, found \(value.typeName)")
        }
        self.init(values: members, path: path)
    }

    private func location(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    private func mismatch(_ key: String, expected: String, found: JSONValue) -> JSONDecodingError {
        JSONDecodingError(path: location(key), problem: "expected \(expected), found \(found.typeName)")
    }

    /// The member `key`, or `nil` when it is absent or `null`.
    public func optional(_ key: String) -> JSONValue? {
        switch values[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    /// The member `key`.
    ///
    /// - Throws: ``JSONDecodingError`` if it is absent or `null`.
    public func required(_ key: String) throws(JSONDecodingError) -> JSONValue {
        guard let value = optional(key) else {
            throw JSONDecodingError(path: location(key), problem: "missing required field")
        }
        return value
    }

    /// The string member `key`.
    public func string(_ key: String) throws(JSONDecodingError) -> String {
        let value = try required(key)
        guard case .string(let string) = value else { throw mismatch(key, expected: "a string", found: value) }
        return string
    }

    /// The string member `key`, or `nil` when absent.
    public func optionalString(_ key: String) throws(JSONDecodingError) -> String? {
        guard optional(key) != nil else { return nil }
        return try string(key)
    }

    /// The integer member `key`.
    public func int64(_ key: String) throws(JSONDecodingError) -> Int64 {
        let value = try required(key)
        guard case .int(let integer) = value else { throw mismatch(key, expected: "an integer", found: value) }
        return integer
    }

    /// The integer member `key`, as `Int`.
    public func int(_ key: String) throws(JSONDecodingError) -> Int {
        let value = try int64(key)
        guard let integer = Int(exactly: value) else {
            throw JSONDecodingError(path: location(key), problem: "integer out of range")
        }
        return integer
    }

    /// The integer member `key`, or `nil` when absent.
    public func optionalInt(_ key: String) throws(JSONDecodingError) -> Int? {
        guard optional(key) != nil else { return nil }
        return try int(key)
    }

    /// The Boolean member `key`.
    public func bool(_ key: String) throws(JSONDecodingError) -> Bool {
        let value = try required(key)
        guard case .bool(let flag) = value else { throw mismatch(key, expected: "a boolean", found: value) }
        return flag
    }

    /// The member `key` decoded as `T`, with errors located under `key`.
    public func decode<T: JSONCodable>(_ key: String, as type: T.Type = T.self) throws(JSONDecodingError) -> T {
        let value = try required(key)
        do {
            return try T(json: value)
        } catch {
            throw error.nested(under: location(key))
        }
    }

    /// The member `key` decoded as `T`, or `nil` when absent.
    public func optionalDecode<T: JSONCodable>(_ key: String, as type: T.Type = T.self) throws(JSONDecodingError) -> T? {
        guard optional(key) != nil else { return nil }
        return try decode(key, as: type)
    }

    /// The array member `key`, each element decoded as `T`.
    public func array<T: JSONCodable>(_ key: String, of type: T.Type = T.self) throws(JSONDecodingError) -> [T] {
        let value = try required(key)
        guard case .array(let elements) = value else { throw mismatch(key, expected: "an array", found: value) }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do {
                result.append(try T(json: element))
            } catch {
                throw error.nested(under: "\(location(key))[\(index)]")
            }
        }
        return result
    }
}

extension String: JSONCodable {
    /// Decodes a JSON string.
    public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .string(let value) = json else {
            throw JSONDecodingError(path: "", problem: "expected a string, found \(json.typeName)")
        }
        self = value
    }

    /// The JSON string.
    public var json: JSONValue { .string(self) }
}

extension Int: JSONCodable {
    /// Decodes a JSON integer.
    public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .int(let value) = json, let integer = Int(exactly: value) else {
            throw JSONDecodingError(path: "", problem: "expected an integer, found \(json.typeName)")
        }
        self = integer
    }

    /// The JSON integer.
    public var json: JSONValue { .int(Int64(self)) }
}
