/// An event the machine refuses in the current state.
///
/// Refused events are never journaled: the journal is unchanged and the caller gets this error.
/// Most are external input arriving at the wrong time (a late reply for an abandoned intent, a
/// cancel after the run finished) and are expected; ``Code/undeclaredEdge`` and
/// ``Code/malformedTransition`` are defects of the machine itself.
public struct IllegalTransition: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of refusal.
    public enum Code: String, Hashable, Sendable {
        /// The state does not accept this kind of event.
        case notAccepted
        /// The state is terminal; nothing leaves it.
        case terminalState
        /// The event answers an intent the state is not waiting on (late, duplicate or abandoned).
        case staleOutcome
        /// A timer event that arrived before the time it is for.
        case premature
        /// The event's data is inconsistent with the state (an index out of range, say).
        case invalidEvent
        /// The machine produced a transition its definition does not declare (a defect).
        case undeclaredEdge
        /// The machine produced intents with wrong ids, undeclared effect kinds or policies, or
        /// intents the next state does not wait on (a defect).
        case malformedTransition
    }

    /// The kind of refusal.
    public let code: Code
    /// The name of the state the event arrived in.
    public let state: String
    /// The name of the refused event.
    public let event: String
    /// Why, in words a person can act on.
    public let reason: String

    /// Creates a refusal.
    public init(_ code: Code, state: String, event: String, reason: String) {
        self.code = code
        self.state = state
        self.event = event
        self.reason = reason
    }

    /// `event 'cancelRequested' refused in state 'reporting': the run is already finishing`.
    public var description: String {
        "event '\(event)' refused in state '\(state)' (\(code.rawValue)): \(reason)"
    }
}
