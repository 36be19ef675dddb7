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

    /// How long after its worker's last renewal a local sandbox may still live: its supervisor
    /// reads the lease four times a second and ends everything at once when it runs out; the
    /// rest covers hosts' clocks running at slightly different rates over a lease.
    static let sandboxEndMarginMilliseconds: Int64 = 2_000

    /// For a run whose sandbox is local, while its state holds one or is creating one: the
    /// sandbox's lease (its `timeoutSeconds`, renewed only while the worker's leases are held)
    /// and ``sandboxEndMarginMilliseconds``. E2B sandboxes are reachable from any host.
    public func hostResourceGrace(in state: SandboxJobState) -> Int64? {
        guard input.sandbox.provider == .local else { return nil }
        if case .provisioning = state {
            // The sandbox may exist before the journal names it.
        } else if state.sandbox == nil {
            return nil
        }
        return Int64(input.sandbox.timeoutSeconds).multipliedSaturated(by: 1000).addingSaturated(Self.sandboxEndMarginMilliseconds)
    }

    /// `operatorResolved`.
    public func resolutionEvent(_ resolution: Resolution, note: String) -> SandboxJobEvent? {
        .operatorResolved(resolution: resolution, note: note)
    }

    /// Whether a deadline (or cancel) would still change the run's course in `state`.
    func deadlineApplies(in state: SandboxJobState) -> Bool {
        Steps(job: self, seq: 0).stopping(state, because: .deadline) != nil
    }
}
