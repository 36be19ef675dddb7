/// A request to stop a run that arrived while its sandbox was being created; it is carried out
/// as soon as the creation's outcome is known.
public enum StopRequest: Hashable, Sendable {
    /// Someone cancelled the run.
    case cancel(reason: String)
    /// The run's deadline passed.
    case deadline

    /// The outcome the run ends with.
    public var outcome: RunOutcome {
        switch self {
        case .cancel(let reason): .cancelled(reason: reason)
        case .deadline: .failed(.deadlineExceeded)
        }
    }
}

extension StopRequest: JSONCodable {
    /// Decodes `{"cancel":{"reason":..}}` or `"deadline"`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, fields) = try json.tagged()
        switch name {
        case "cancel": self = .cancel(reason: try fields.string("reason"))
        case "deadline": self = .deadline
        default: throw JSONDecodingError(path: "", problem: "unknown stop request '\(name)'")
        }
    }

    /// The tagged form.
    public var json: JSONValue {
        switch self {
        case .cancel(let reason): .tagged("cancel", ["reason": .string(reason)])
        case .deadline: .tagged("deadline")
        }
    }
}
