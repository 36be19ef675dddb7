import Failpoints
import Journal
import RunStateMachine

/// How a driver stopped driving a run.
public enum DriveResult: Hashable, Sendable {
    /// The run reached a terminal state.
    case finished(state: String)
    /// Nothing will happen soon: the run waits for an operator's decision, or only for a time
    /// (`wakeup`) further away than two lease periods. The lease is released; the engine takes
    /// the run again when something is appended after `lastSeq` (its last record) or `wakeup`
    /// comes.
    case parked(state: String, wakeup: Timestamp?, lastSeq: Int64)
    /// Another owner took the run (this owner's lease epoch is stale); nothing more was written.
    case lostLease
    /// The driver was cancelled (shutdown) and left the run to the next owner.
    case stopped
}

/// Drives one leased run: recovery first, then the write-ahead loop.
///
/// Recovery settles every intent the journal holds without an outcome, by its policy: re-fire
/// (idempotent), ask the executor (reconcile), or tell the machine the outcome is unknown
/// (compensate, in doubt). The loop then applies one event at a time: the checked transition is
/// appended and committed by the journal, and only then are its intents handed to the executor;
/// outcomes and due timers come back as the next events. The lease is renewed meanwhile.
struct RunDriver<Executor: EffectExecutor>: Sendable {
    typealias Machine = Executor.Machine

    let journal: SQLiteJournal
    let executor: Executor
    let clock: any RuntimeClock
    /// How long a lease lasts unless renewed, in milliseconds.
    let leaseTTL: Int64
    /// Where the engine signals that a run has a cancel request.
    let cancelSignals: CancelSignals

    /// What wakes the loop.
    private enum Input: Sendable {
        case outcome(Machine.Event)
        case timer(Timestamp)
        /// Time to renew the lease.
        case renew
        /// The engine saw a cancel request for the run.
        case cancelRequested
        case cancelled
    }

    /// Drives the leased run until it finishes, parks, loses its lease or the task is cancelled.
    ///
    /// - Parameter checkCancel: Whether to look for a cancel request at once (the engine saw
    ///   one when it took the run); later requests arrive as the engine's signals.
    func drive(_ lease: Lease, checkCancel checkCancelAtStart: Bool = true) async throws -> DriveResult {
        defer { cancelSignals.forget(lease.run.number) }
        do {
            let result = try await driveHeld(lease, checkCancelAtStart: checkCancelAtStart)
            // A run parked until a time (a retry's backoff) keeps what it holds alive meanwhile,
            // so its sandbox is there when it is taken again; one parked for an operator, or let
            // go otherwise, does not.
            if case .parked(_, .some, _) = result {
                return result
            }
            await executor.released(lease.run)
            return result
        } catch {
            await executor.released(lease.run)
            throw error
        }
    }

    private func driveHeld(_ lease: Lease, checkCancelAtStart: Bool) async throws -> DriveResult {
        var run = try JournaledRun<Machine>.load(lease, from: journal)
        var lease = lease
        return try await withThrowingTaskGroup(of: Input.self) { group in
            var backlog: [Machine.Event] = []
            var inFlight = 0
            var armed: Timestamp?

            func context(_ intent: IntentID) -> EffectContext<Machine> {
                EffectContext(run: run.lease.run, machine: run.machine, epoch: lease.epoch, key: EffectContext<Machine>.key(of: intent, in: run.lease.run), journal: journal)
            }
            func dispatch(_ intent: EffectIntent<Machine.Effect>) {
                let executor = self.executor
                let context = context(intent.id)
                inFlight += 1
                group.addTask {
                    do {
                        Failpoint.hit(Failpoint.beforeEffect)
                        let outcome = try await executor.perform(intent, context: context)
                        Failpoint.hit(Failpoint.afterEffect)
                        return .outcome(outcome)
                    } catch {
                        return .cancelled
                    }
                }
            }
            // An operator's cancel request becomes the machine's cancel event; the request is
            // deleted once that event is journaled (or refused because the run is past it).
            let number = run.lease.run.number
            let cancellable = run.machine.cancelEvent(reason: "") != nil
            var cancelTaken = false
            func checkCancel() {
                guard cancellable, !cancelTaken, let reason = try? journal.cancelRequest(runNo: number),
                    let event = run.machine.cancelEvent(reason: reason)
                else { return }
                cancelTaken = true
                backlog.append(event)
            }
            func scheduleRenewal() {
                let clock = self.clock
                let at = clock.now().adding(milliseconds: max(1, leaseTTL / 3))
                group.addTask {
                    try await clock.sleep(until: at)
                    return .renew
                }
            }
            func awaitCancelSignal() {
                guard cancellable else { return }
                let signals = cancelSignals
                group.addTask {
                    await signals.wait(for: number) ? .cancelRequested : .cancelled
                }
            }

            // Recovery: settle what a previous owner left in flight (the resources the run holds
            // are kept alive meanwhile: reconciling may wait for a command still running).
            await executor.driving(run.state, run: run.lease.run, machine: run.machine)
            let plan = await Recovery.plan(pending: run.pendingAtLoad, machine: run.machine) { intent in
                await executor.reconcile(intent, context: context(intent.id))
            }
            plan.redispatch.forEach(dispatch)
            backlog += plan.events
            if let event = run.machine.driverEvent(in: run.state) {
                backlog.append(event)
            }
            if checkCancelAtStart {
                checkCancel()
            }
            scheduleRenewal()
            awaitCancelSignal()

            while true {
                while !backlog.isEmpty {
                    let event = backlog.removeFirst()
                    do {
                        let transition = try await run.apply(event, at: clock.now())
                        await executor.driving(run.state, run: run.lease.run, machine: run.machine)
                        if !transition.intents.isEmpty {
                            Failpoint.hit(Failpoint.beforeDispatch)
                        }
                        for intent in transition.intents {
                            dispatch(intent)
                        }
                    } catch is IllegalTransition {
                        // A late or duplicate outcome, or an event the state refuses: the
                        // journal is unchanged and the run goes on.
                        continue
                    } catch let error as JournalError where error.code == .staleEpoch || error.code == .runFinished {
                        group.cancelAll()
                        return .lostLease
                    }
                }
                if cancelTaken {
                    try? await journal.clearCancelRequest(runNo: number)
                    cancelTaken = false
                }
                if run.machine.machineRevision.definition.isTerminal(run.state.name) {
                    group.cancelAll()
                    return .finished(state: run.state.name)
                }
                let wakeup = run.machine.nextWakeup(in: run.state)
                if let wakeup, wakeup != armed {
                    armed = wakeup
                    let clock = self.clock
                    group.addTask {
                        try await clock.sleep(until: wakeup)
                        return .timer(wakeup)
                    }
                }
                if inFlight == 0, wakeup.map({ $0.milliseconds.subtractingSaturated(clock.now().milliseconds) > leaseTTL.multipliedSaturated(by: 2) }) ?? true {
                    group.cancelAll()
                    try? await journal.releaseLease(lease)
                    return .parked(state: run.state.name, wakeup: wakeup, lastSeq: run.lastSeq)
                }
                let input: Input
                do {
                    guard let next = try await group.next() else { return .stopped }
                    input = next
                } catch {
                    group.cancelAll()
                    return .stopped
                }
                switch input {
                case .outcome(let event):
                    inFlight -= 1
                    backlog.append(event)
                case .cancelled:
                    group.cancelAll()
                    return .stopped
                case .timer(let at):
                    if at == armed { armed = nil }
                    if let event = run.machine.timerEvent(in: run.state, at: clock.now()) {
                        backlog.append(event)
                    }
                case .cancelRequested:
                    checkCancel()
                    awaitCancelSignal()
                case .renew:
                    do {
                        lease = try await journal.renewLease(lease, until: clock.now().adding(milliseconds: leaseTTL))
                    } catch let error as JournalError where error.code == .staleEpoch {
                        group.cancelAll()
                        return .lostLease
                    }
                    scheduleRenewal()
                }
            }
        }
    }
}
