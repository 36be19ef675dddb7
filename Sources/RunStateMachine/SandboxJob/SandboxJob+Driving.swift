extension SandboxJob {
    /// The intent the state is waiting on: the one intent of every state that asks for an
    /// effect; none for waiting, parked and terminal states.
    public func awaited(in state: SandboxJobState) -> [IntentID] {
        switch state {
        case .provisioning(_, let intent, _), .running(_, _, _, let intent), .awaitingModel(_, _, _, _, let intent),
            .runningTools(_, _, _, _, _, let intent), .collecting(_, let intent), .tearingDown(_, _, let intent),
            .compensating(_, _, _, let intent), .reporting(_, _, let intent):
            [intent]
        case .queued, .retryWait, .needsAttention, .succeeded, .failed, .cancelled:
            []
        }
    }

    /// `start` for a queued run.
    public func driverEvent(in state: SandboxJobState) -> SandboxJobEvent? {
        if case .queued = state { return .start }
        return nil
    }

    /// The earlier of the run's deadline (while it still applies) and the end of a retry wait.
    public func nextWakeup(in state: SandboxJobState) -> Timestamp? {
        var times: [Timestamp] = []
        if case .retryWait(_, let notBefore) = state {
            times.append(notBefore)
        }
        if deadlineApplies(in: state) {
            times.append(deadline)
        }
        return times.min()
    }

    /// `deadlineReached` once the deadline has passed (it wins over a retry), else `retryDue`
    /// once a retry wait is over.
    public func timerEvent(in state: SandboxJobState, at now: Timestamp) -> SandboxJobEvent? {
        if deadlineApplies(in: state), now >= deadline {
            return .deadlineReached(at: now)
        }
        if case .retryWait(_, let notBefore) = state, now >= notBefore {
            return .retryDue(at: now)
        }
        return nil
    }

    /// `effectInDoubt`.
    public func outcomeUnknown(for intent: IntentID, reason: String) -> SandboxJobEvent {
        .effectInDoubt(intent: intent, reason: reason)
    }

    /// `cancelRequested`.
    public func cancelEvent(reason: String) -> SandboxJobEvent? {
        .cancelRequested(reason: reason)
    }

    /// Whether a deadline (or cancel) would still change the run's course in `state`.
    func deadlineApplies(in state: SandboxJobState) -> Bool {
        Steps(job: self, seq: 0).stopping(state, because: .deadline) != nil
    }
}
