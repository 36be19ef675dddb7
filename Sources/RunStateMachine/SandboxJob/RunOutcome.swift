/// How a run ends; decided before the sandbox is released and the status reported.
public enum RunOutcome: Hashable, Sendable, CustomStringConvertible {
    /// Everything the job asked for was done.
    case succeeded
    /// The run failed.
    case failed(FailureReason)
    /// Someone cancelled the run.
    case cancelled(reason: String)

    /// `succeeded`, `failed` or `cancelled`: the status reported to the platform.
    public var status: String {
        switch self {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    /// The status with its reason.
    public var description: String {
        switch self {
        case .succeeded: "succeeded"
        case .failed(let reason): "failed: \(reason)"
        case .cancelled(let reason): "cancelled: \(reason)"
        }
    }
}

extension RunOutcome: JSONCodable {
    /// Decodes `"succeeded"`, `{"failed":{"reason":..}}` or `{"cancelled":{"reason":".."}}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, fields) = try json.tagged()
        switch name {
        case "succeeded": self = .succeeded
        case "failed": self = .failed(try fields.decode("reason"))
        case "cancelled": self = .cancelled(reason: try fields.string("reason"))
        default: throw JSONDecodingError(path: "", problem: "unknown outcome '\(name)'")
        }
    }

    /// The tagged form.
    public var json: JSONValue {
        switch self {
        case .succeeded: .tagged("succeeded")
        case .failed(let reason): .tagged("failed", ["reason": reason.json])
        case .cancelled(let reason): .tagged("cancelled", ["reason": .string(reason)])
        }
    }
}
