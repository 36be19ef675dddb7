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

    /// Parses `seq/index`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = Int(parts[0]), let index = Int(parts[1]), seq >= 0, index >= 0 else {
            return nil
        }
        self.init(seq: seq, index: index)
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
