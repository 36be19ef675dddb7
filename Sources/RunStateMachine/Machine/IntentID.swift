/// Names one effect intent within a run: the run sequence number of the journal record that
/// asked for it, and its position in that record's intent list.
///
/// Together with the run id this is the effect's idempotency key (`<run>/<seq>/<index>`), so the
/// key is deterministic and the same on every replay and every re-fire.
public struct IntentID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The run sequence number of the record that holds the intent.
    public var seq: Int
    /// The intent's index in that record.
    public var index: Int

    /// Creates an intent id.
    public init(seq: Int, index: Int) {
        self.seq = seq
        self.index = index
    }

    /// Orders by record, then by position.
    public static func < (lhs: IntentID, rhs: IntentID) -> Bool {
        (lhs.seq, lhs.index) < (rhs.seq, rhs.index)
    }

    /// `seq/index`, e.g. `5/0`.
    public var description: String { String(seq) + "/" + String(index) }

    /// Parses `seq/index` (two non-negative decimal numbers).
    public init?(_ text: some StringProtocol) {
        var numbers = (0, 0)
        var digits = (0, 0)
        var part = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "/") {
                guard part == 0 else { return nil }
                part = 1
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            if part == 0 {
                guard digits.0 < 18 else { return nil }
                numbers.0 = numbers.0 * 10 + digit
                digits.0 += 1
            } else {
                guard digits.1 < 18 else { return nil }
                numbers.1 = numbers.1 * 10 + digit
                digits.1 += 1
            }
        }
        guard part == 1, digits.0 > 0, digits.1 > 0 else { return nil }
        self.init(seq: numbers.0, index: numbers.1)
    }
}

extension IntentID: JSONCodable {
    /// Decodes the `seq/index` string form.
    public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .string(let text) = json, let id = IntentID(text) else {
            throw JSONDecodingError(path: "", problem: "expected an intent id such as \"5/0\"")
        }
        self = id
    }

    /// The `seq/index` string form.
    public var json: JSONValue { .string(description) }
}
