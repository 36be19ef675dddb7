import RunStateMachine

/// Why a sandbox ended (`dead.json`), written once by whoever ended it.
public struct DeathRecord: Hashable, Sendable {
    /// Why: `killed: <reason>`, `lease expired`, `supervisor terminated`.
    public var reason: String
    /// When, in wall-clock milliseconds.
    public var at: Int64

    /// Creates a record.
    public init(reason: String, at: Int64) {
        self.reason = reason
        self.at = at
    }
}

extension DeathRecord: JSONCodable {
    /// Decodes `{"reason":..,"at":..}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(reason: try fields.string("reason"), at: try fields.int64("at"))
    }

    /// `{"reason":..,"at":..}`.
    public var json: JSONValue { ["reason": .string(reason), "at": .int(at)] }
}
