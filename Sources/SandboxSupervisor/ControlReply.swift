import RunStateMachine

/// A supervisor's answer to one ``ControlRequest``.
public struct ControlReply: Hashable, Sendable {
    /// Whether the request was carried out.
    public var ok: Bool
    /// What happened (`started`, `existing`, `killed`, `alive`) or, when not ok, why not.
    public var detail: String

    /// Creates a reply.
    public init(ok: Bool, detail: String) {
        self.ok = ok
        self.detail = detail
    }
}

extension ControlReply: JSONCodable {
    /// Decodes `{"ok":..,"detail":..}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(ok: try fields.bool("ok"), detail: try fields.string("detail"))
    }

    /// `{"ok":..,"detail":..}`.
    public var json: JSONValue { ["ok": .bool(ok), "detail": .string(detail)] }
}
