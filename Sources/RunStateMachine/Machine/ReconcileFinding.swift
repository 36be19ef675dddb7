

/// What the outside world says about an effect whose intent was journaled before a crash but
/// whose outcome was not.
public enum ReconcileFinding<Event: MachineEvent>: Hashable, Sendable {
    /// It happened (or finished while the worker was down): journal this outcome.
    case happened(Event)
    /// It certainly did not happen: fire it (again) with the same key.
    case notHappened
    /// It cannot be known: the machine decides (it parks the run or carries on, per effect).
    case unknown(reason: String)
}
