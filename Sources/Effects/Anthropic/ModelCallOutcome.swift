import RunStateMachine

/// What one call to the model came to, classified for recovery.
///
/// The Messages API has no idempotency key: a call sent again is a new, billable generation. So
/// the worker journals a response before acting on it and only calls again for a turn whose
/// response is not journaled; the classes below say whether calling again is worth it and what
/// the failed call may have cost.
public enum ModelCallOutcome: Hashable, Sendable {
    /// Definitive success: the full response.
    case responded(ModelResponse)
    /// Definitive failure: calling again will fail the same way (bad request, bad key, spend
    /// limit, unknown model).
    case failed(reason: String)
    /// Refused without being processed (rate limit, overload, connection refused): call again,
    /// not before `retryAfterMilliseconds` if the API said so.
    case rejected(reason: String, retryAfterMilliseconds: Int64?)
    /// Unknown whether the API processed (and billed) the call: a timeout, a dropped connection
    /// after the request was sent, a server error, an unreadable response. Calling again is safe
    /// (nothing was acted on) but may bill the turn twice.
    case ambiguous(reason: String, retryAfterMilliseconds: Int64?)

    /// The machine's event for this outcome of the call `intent`, observed at `at`.
    public func event(intent: IntentID, at: Timestamp) -> SandboxJobEvent {
        switch self {
        case .responded(let response):
            .modelResponded(intent: intent, response: response)
        case .failed(let reason):
            .modelCallFailed(intent: intent, reason: reason, retryable: false, retryAfterMilliseconds: nil, at: at)
        case .rejected(let reason, let retryAfter):
            .modelCallFailed(intent: intent, reason: reason, retryable: true, retryAfterMilliseconds: retryAfter, at: at)
        case .ambiguous(let reason, let retryAfter):
            .modelCallFailed(
                intent: intent,
                reason: "\(reason) (the call may have been processed and billed)",
                retryable: true,
                retryAfterMilliseconds: retryAfter,
                at: at
            )
        }
    }
}
