import RunStateMachine

/// Why a sandbox operation failed, with what to do about it.
public enum SandboxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The requested isolation cannot be provided on this machine; the message names the fix.
    case isolationUnavailable(String)
    /// The request cannot work as given (a mount's host path is missing); retrying will not help.
    case invalidRequest(String)
    /// The sandbox does not exist any more.
    case gone(SandboxID, reason: String)
    /// The operation failed; `retryable` says whether trying again may succeed.
    case failed(String, retryable: Bool)

    /// Whether the same request may succeed later.
    public var retryable: Bool {
        switch self {
        case .isolationUnavailable, .invalidRequest, .gone: false
        case .failed(_, let retryable): retryable
        }
    }

    /// A sentence for people.
    public var description: String {
        switch self {
        case .isolationUnavailable(let message): message
        case .invalidRequest(let message): message
        case .gone(let id, let reason): "sandbox \(id) is gone: \(reason)"
        case .failed(let message, _): message
        }
    }
}
