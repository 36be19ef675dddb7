/// What recovery does with an effect intent that was journaled but has no journaled outcome,
/// because the worker died between asking for the effect and recording what came of it.
public enum RecoveryPolicy: String, Hashable, Sendable, CaseIterable {
    /// Fire the effect again with the same key; repeating it is harmless or the receiver dedupes
    /// by key (status updates, kills, timers, model calls whose response was never journaled).
    case idempotent
    /// Ask the outside world, by key, whether the effect happened (a sandbox found by its
    /// metadata, a command's exit record, a status row's sequence) and journal what it says;
    /// fire again only if it certainly did not happen. An answer of "unknown" reaches the
    /// machine as an in-doubt event.
    case reconcile
    /// Do not fire again; undo what may have happened (kill the sandbox) and let the machine
    /// take its compensation path.
    case compensate
    /// Never fire again and never guess: the machine parks the run in a visible
    /// needs-attention state with the reason, for an operator to resolve.
    case inDoubt
}

extension RecoveryPolicy: JSONCodable {
    /// Decodes the policy's name.
    public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .string(let name) = json, let policy = RecoveryPolicy(rawValue: name) else {
            throw JSONDecodingError(path: "", problem: "expected one of idempotent, reconcile, compensate, inDoubt")
        }
        self = policy
    }

    /// The policy's name.
    public var json: JSONValue { .string(rawValue) }
}
