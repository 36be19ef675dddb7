/// Reads a JSON document against a schema written in code, collecting every problem with its
/// path and a fix instead of stopping at the first.
///
/// Accessors return `nil` both when a member is absent and when it is invalid (after recording
/// the problem), so callers write `validator.integer(...) ?? default` and keep going; the result
/// is only used when ``problems`` is empty.
struct SpecValidator {
    private(set) var problems: [SpecProblem] = []

    mutating func report(_ path: String, _ message: String, fix: String) {
        problems.append(SpecProblem(path: path, message: message, fix: fix))
    }

    static func join(_ path: String, _ key: String) -> String {
        "\(path).\(key)"
    }

    /// The members of the object at `path`, reporting a wrong type and every unknown member.
    mutating func object(_ value: JSONValue, at path: String, allowed: [String]) -> JSONObject? {
        guard case .object(let members) = value else {
            report(path, "expected an object, found \(value.typeName)", fix: "write an object such as {\"\(allowed.first ?? "key")\": ...}")
            return nil
        }
        // Sorted only when something is reported (members are in key order already, but UTF-8
        // order is not String's).
        let unknown = members.members.lazy.map(\.key).filter { !allowed.contains($0) }
        guard !unknown.isEmpty else { return members }
        for key in unknown.sorted() {
            let fix: String
            if let suggestion = Self.suggestion(for: key, among: allowed) {
                fix = "did you mean \"\(suggestion)\"? Otherwise remove it"
            } else {
                fix = "remove it; allowed fields here: \(allowed.joined(separator: ", "))"
            }
            report(Self.join(path, key), "unknown field \"\(key)\"", fix: fix)
        }
        return members
    }

    /// The member `key` unless it is absent or `null`.
    func member(_ members: JSONObject, _ key: String) -> JSONValue? {
        switch members[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    mutating func requireMember(_ members: JSONObject, _ key: String, in path: String, example: @autoclosure () -> String) -> JSONValue? {
        guard let value = member(members, key) else {
            report(Self.join(path, key), "missing required field", fix: "add \"\(key)\": \(example())")
            return nil
        }
        return value
    }

    /// A string member: at most `maxBytes` of UTF-8, no NUL, and no other control characters
    /// unless `multiline` (which allows newline, carriage return and tab).
    mutating func string(
        _ members: JSONObject,
        _ key: String,
        in path: String,
        maxBytes: Int,
        required: Bool = false,
        multiline: Bool = false,
        example: String = "\"...\""
    ) -> String? {
        let value = required ? requireMember(members, key, in: path, example: example) : member(members, key)
        guard let value else { return nil }
        return text(value, at: Self.join(path, key), maxBytes: maxBytes, multiline: multiline, example: example)
    }

    /// Checks a JSON value is a non-empty, bounded string without forbidden control characters.
    mutating func text(_ value: JSONValue, at location: @autoclosure () -> String, maxBytes: Int, multiline: Bool = false, example: String = "\"...\"") -> String? {
        guard case .string(let string) = value else {
            report(location(), "expected a string, found \(value.typeName)", fix: "write it in quotes, e.g. \(example)")
            return nil
        }
        if string.isEmpty {
            report(location(), "must not be empty", fix: "give a value such as \(example), or leave the field out if it is optional")
            return nil
        }
        if string.utf8.count > maxBytes {
            report(location(), "is \(string.utf8.count) bytes; the limit is \(maxBytes)", fix: "shorten it to at most \(maxBytes) bytes")
            return nil
        }
        let forbidden = { (byte: UInt8) in
            (byte < 0x20 || byte == 0x7F) && !(multiline && (byte == 0x09 || byte == 0x0A || byte == 0x0D))
        }
        if string.utf8.contains(where: forbidden) {
            let what = multiline ? "a NUL or control character" : "a control character (such as a newline)"
            report(location(), "contains \(what)", fix: "remove it")
            return nil
        }
        return string
    }

    /// An integer member within `range`.
    mutating func integer(
        _ members: JSONObject,
        _ key: String,
        in path: String,
        range: ClosedRange<Int64>,
        unit: String,
        required: Bool = false
    ) -> Int? {
        let location = { Self.join(path, key) }
        let value = required ? requireMember(members, key, in: path, example: "\(range.lowerBound == 0 ? 1 : range.lowerBound)") : member(members, key)
        guard let value else { return nil }
        let number: Int64
        switch value {
        case .int(let integer):
            number = integer
        case .double(let fractional) where fractional.rounded() == fractional && fractional.magnitude < 9.0e15:
            number = Int64(fractional)
        default:
            report(location(), "expected a whole number of \(unit), found \(value.typeName)", fix: "write an integer between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        guard range.contains(number) else {
            report(location(), "\(number) \(unit) is out of range", fix: "use a value between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return Int(number)
    }

    /// A duration given in seconds (whole or fractional), returned in milliseconds.
    mutating func milliseconds(
        _ members: JSONObject,
        _ key: String,
        in path: String,
        range: ClosedRange<Int64>
    ) -> Int64? {
        let location = { Self.join(path, key) }
        guard let value = member(members, key) else { return nil }
        let milliseconds: Int64
        switch value {
        case .int(let seconds):
            // Any 64-bit integer may arrive; one whose milliseconds do not fit is out of range.
            let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            guard !overflow else {
                reportOutOfRange(location(), range: range)
                return nil
            }
            milliseconds = product
        case .double(let seconds) where seconds.isFinite:
            let rounded = (seconds * 1000).rounded()
            guard rounded.magnitude < 9.0e18 else {
                reportOutOfRange(location(), range: range)
                return nil
            }
            milliseconds = Int64(rounded)
        default:
            report(location(), "expected a number of seconds, found \(value.typeName)", fix: "write a number such as 1 or 0.5")
            return nil
        }
        guard range.contains(milliseconds) else {
            reportOutOfRange(location(), range: range)
            return nil
        }
        return milliseconds
    }

    /// Reports a duration outside `range` (milliseconds), in seconds.
    private mutating func reportOutOfRange(_ location: String, range: ClosedRange<Int64>) {
        report(location, "is out of range", fix: "use between \(Double(range.lowerBound) / 1000) and \(Double(range.upperBound) / 1000) seconds")
    }

    /// A Boolean member.
    mutating func bool(_ members: JSONObject, _ key: String, in path: String) -> Bool? {
        guard let value = member(members, key) else { return nil }
        guard case .bool(let flag) = value else {
            report(Self.join(path, key), "expected true or false, found \(value.typeName)", fix: "write true or false without quotes")
            return nil
        }
        return flag
    }

    /// A string member naming one case of `E`.
    mutating func choice<E: RawRepresentable & CaseIterable>(
        _ members: JSONObject,
        _ key: String,
        in path: String,
        as type: E.Type,
        required: Bool = false
    ) -> E? where E.RawValue == String {
        let value = required ? requireMember(members, key, in: path, example: "\"\(E.allCases.first?.rawValue ?? "...")\"") : member(members, key)
        guard let value else { return nil }
        return choice(value, at: Self.join(path, key), as: type)
    }

    /// A JSON value naming one case of `E`.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ value: JSONValue, at location: @autoclosure () -> String, as type: E.Type) -> E? where E.RawValue == String {
        guard case .string(let name) = value, let result = E(rawValue: name) else {
            let options = E.allCases.map(\.rawValue)
            let found = if case .string(let name) = value { "\"\(name)\"" } else { value.typeName }
            report(location(), "expected one of \(options.map { "\"\($0)\"" }.joined(separator: ", ")), found \(found)", fix: "use one of the listed values")
            return nil
        }
        return result
    }

    /// An array member with at most `maxCount` elements.
    mutating func array(
        _ members: JSONObject,
        _ key: String,
        in path: String,
        maxCount: Int,
        required: Bool = false,
        example: String = "[...]"
    ) -> [JSONValue]? {
        let location = { Self.join(path, key) }
        let value = required ? requireMember(members, key, in: path, example: example) : member(members, key)
        guard let value else { return nil }
        guard case .array(let elements) = value else {
            report(location(), "expected an array, found \(value.typeName)", fix: "write a list in square brackets, e.g. \(example)")
            return nil
        }
        guard elements.count <= maxCount else {
            report(location(), "has \(elements.count) entries; the limit is \(maxCount)", fix: "use at most \(maxCount)")
            return nil
        }
        return elements
    }

    /// The closest allowed key to a misspelt one: a case-insensitive match, a prefix, or an edit
    /// distance of at most two.
    static func suggestion(for key: String, among allowed: [String]) -> String? {
        let lowered = key.lowercased()
        if let match = allowed.first(where: { $0.lowercased() == lowered }) { return match }
        if lowered.count >= 3, let match = allowed.first(where: { $0.lowercased().hasPrefix(lowered) }) { return match }
        // A misspelt key is often a misspelt prefix ("timout" for "timeoutSeconds"): also compare
        // against each allowed name's prefixes around the key's length.
        let ranked = allowed.map { name -> (String, Int) in
            let candidate = name.lowercased()
            var best = editDistance(lowered, candidate)
            if lowered.count >= 4 {
                for length in (lowered.count - 1)...(lowered.count + 1) where length < candidate.count {
                    best = min(best, editDistance(lowered, String(candidate.prefix(length))) + 1)
                }
            }
            return (name, best)
        }.min { $0.1 < $1.1 }
        if let (best, distance) = ranked, distance <= 2 { return best }
        return nil
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
