import RunStateMachine

/// What a sandbox's records say about a command key.
public enum CommandStatus: Hashable, Sendable {
    /// No command with this key was started (its started marker does not exist).
    case notStarted
    /// Started and still running.
    case running
    /// Ended; its result.
    case finished(StepResult)
    /// Started, but the sandbox died before it ended: whether it did its work is unknown.
    case lost(reason: String)
    /// The sandbox's records are gone (it was killed and removed): nothing can be said.
    case unknowable(reason: String)
}
