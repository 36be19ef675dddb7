import RunStateMachine

extension JournalStore {
    /// Asks, for an operator, that the run `text` names leave the state it is parked in with
    /// `resolution`; its worker journals the decision (with `note`) when it next takes the run,
    /// within a poll.
    ///
    /// - Parameter parkedState: The state runs wait for an operator in (`needsAttention`).
    /// - Throws: ``JournalError`` with code ``JournalError/Code/unknownRun``,
    ///   ``JournalError/Code/runFinished``, or ``JournalError/Code/notParked`` when the run is
    ///   not waiting for an operator or a cancel request for it is pending. A run that moves on
    ///   between this check and its driver's (only another operator's request can move a parked
    ///   run) has the decision refused by its machine, visibly in the worker's log.
    public func requestResolution(run text: String, resolution: Resolution, note: String, at: Timestamp, whileIn parkedState: String) async throws(JournalError) -> RunSummary {
        let summary = try await run(matching: text)
        guard !summary.terminal else {
            throw JournalError(.runFinished, "the run has already finished (\(summary.stateName)); there is nothing to decide", run: summary.run.id)
        }
        guard summary.stateName == parkedState else {
            throw JournalError(
                .notParked,
                "the run is in '\(summary.stateName)', not waiting for an operator ('\(parkedState)'); decisions are for parked runs only (use 'worker cancel' to stop it)",
                run: summary.run.id
            )
        }
        if case .cancel(let reason)? = try await operatorRequest(runNo: summary.run.number) {
            throw JournalError(.notParked, "a cancel request is pending for the run (\(reason)); it decides the run", run: summary.run.id)
        }
        try await recordResolution(runNo: summary.run.number, resolution: resolution, note: note, at: at)
        return summary
    }
}
