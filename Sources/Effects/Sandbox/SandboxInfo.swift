import RunStateMachine

/// What a provider knows about one sandbox.
public struct SandboxInfo: Hashable, Sendable {
    /// The sandbox's id.
    public var id: SandboxID
    /// The run it belongs to.
    public var runID: String
    /// The key of the intent that created it.
    public var effectKey: String
    /// The lease epoch of the owner that created it.
    public var epoch: Int64
    /// Why it ended, or `nil` while it is alive.
    public var ended: String?

    /// Creates a description.
    public init(id: SandboxID, runID: String, effectKey: String, epoch: Int64, ended: String?) {
        self.id = id
        self.runID = runID
        self.effectKey = effectKey
        self.epoch = epoch
        self.ended = ended
    }

    /// Whether the sandbox is alive.
    public var isAlive: Bool { ended == nil }
}

extension SandboxInfo: JSONCodable {
    /// Decodes the `meta.json` form (`ended` is not part of it).
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(
            id: try fields.decode("id"),
            runID: try fields.string("runID"),
            effectKey: try fields.string("effectKey"),
            epoch: try fields.int64("epoch"),
            ended: try fields.optionalString("ended")
        )
    }

    /// `{"id":..,"runID":..,"effectKey":..,"epoch":..}` (plus `ended` once it ended).
    public var json: JSONValue {
        var members: JSONObject = ["effectKey": .string(effectKey), "epoch": .int(epoch), "id": id.json, "runID": .string(runID)]
        if let ended { members["ended"] = .string(ended) }
        return .object(members)
    }
}
