/// How a step's command ended.
public enum StepExit: Hashable, Sendable, CustomStringConvertible {
    /// It exited with this status; 0 is success.
    case exited(code: Int32)
    /// A signal killed it.
    case signaled(signal: Int32)
    /// It ran past its timeout and was killed.
    case timedOut
    /// The sandbox disappeared while it ran (its lease expired, the provider lost it).
    case sandboxLost(reason: String)
    /// The command could not be started (a secret is missing, the launcher failed); nothing ran.
    case failedToStart(reason: String)

    /// Whether the command succeeded.
    public var isSuccess: Bool { self == .exited(code: 0) }

    /// `exit 1`, `signal 9`, `timed out`, `sandbox lost: ...`, `failed to start: ...`.
    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signaled(let signal): "signal \(signal)"
        case .timedOut: "timed out"
        case .sandboxLost(let reason): "sandbox lost: \(reason)"
        case .failedToStart(let reason): "failed to start: \(reason)"
        }
    }
}

extension StepExit: JSONCodable {
    /// Decodes `{"exited":{"code":0}}`, `{"signaled":{"signal":9}}`, `"timedOut"` or
    /// `{"sandboxLost":{"reason":"..."}}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let (name, fields) = try json.tagged()
        switch name {
        case "exited": self = .exited(code: Int32(truncatingIfNeeded: try fields.int64("code")))
        case "signaled": self = .signaled(signal: Int32(truncatingIfNeeded: try fields.int64("signal")))
        case "timedOut": self = .timedOut
        case "sandboxLost": self = .sandboxLost(reason: try fields.string("reason"))
        case "failedToStart": self = .failedToStart(reason: try fields.string("reason"))
        default: throw JSONDecodingError(path: "", problem: "unknown step exit '\(name)'")
        }
    }

    /// The tagged form.
    public var json: JSONValue {
        switch self {
        case .exited(let code): .tagged("exited", ["code": .int(Int64(code))])
        case .signaled(let signal): .tagged("signaled", ["signal": .int(Int64(signal))])
        case .timedOut: .tagged("timedOut")
        case .sandboxLost(let reason): .tagged("sandboxLost", ["reason": .string(reason)])
        case .failedToStart(let reason): .tagged("failedToStart", ["reason": .string(reason)])
        }
    }
}
