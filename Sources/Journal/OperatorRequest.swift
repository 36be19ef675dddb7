import RunStateMachine

/// What an operator asked of a run, waiting for the run's driver to journal it: a cancel, or a
/// decision about a run parked for an operator. A run has at most one; a cancel replaces a
/// decision, a decision is refused while a cancel waits.
public enum OperatorRequest: Hashable, Sendable {
    /// Cancel the run, for this reason.
    case cancel(reason: String)
    /// Decide about the parked run, with a note for its history.
    case resolve(Resolution, note: String)
}

extension OperatorRequest {
    /// The request a `cancel_requests` row holds: a cancel when `resolution` is NULL, else a
    /// decision with `reason` as its note.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/corrupt`` for a decision this
    ///   build does not know.
    package init(reason: String, resolution: String?, runNo: Int64) throws(JournalError) {
        guard let resolution else {
            self = .cancel(reason: reason)
            return
        }
        guard let decision = Resolution(rawValue: resolution) else {
            throw JournalError(.corrupt, "run number \(runNo) has an operator request with the unknown decision '\(resolution)'; clear it with 'worker cancel' or fix the row")
        }
        self = .resolve(decision, note: reason)
    }
}
