/// A side effect a transition asks for, journaled before it fires.
public struct EffectIntent<Effect: MachineEffect>: Hashable, Sendable {
    /// The intent's id; with the run id, its idempotency key.
    public var id: IntentID
    /// What to do.
    public var effect: Effect
    /// What recovery does if the worker dies before the outcome is journaled.
    public var policy: RecoveryPolicy

    /// Creates an intent.
    @inlinable
    public init(id: IntentID, effect: Effect, policy: RecoveryPolicy) {
        self.id = id
        self.effect = effect
        self.policy = policy
    }
}

extension EffectIntent: JSONCodable {
    /// Decodes `{"id": "5/0", "effect": ..., "policy": "reconcile"}`.
    @inlinable
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(
            id: try fields.decode("id"),
            effect: try fields.decode("effect"),
            policy: try fields.decode("policy")
        )
    }

    /// `{"id": "5/0", "effect": ..., "policy": "reconcile"}`.
    @inlinable
    public var json: JSONValue {
        ["effect": effect.json, "id": id.json, "policy": policy.json]
    }
}
