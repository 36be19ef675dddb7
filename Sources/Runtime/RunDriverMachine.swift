import Journal
import RunStateMachine

/// The decisions of a run's driver, as a value: it takes inputs (an outcome arrived, a timer
/// fired, a cancel was signalled, an append committed) and returns the actions to perform
/// (append, dispatch, arm a timer, release, finish). The lease stays alive by its worker's
/// heartbeat (``EngineMachine``), not by the driver: a driver learns that it lost its lease when
/// an append is refused. It performs
/// no I/O and reads no clock: time comes with each input. ``RunDriver`` performs the actions and
/// feeds their results back; tests step it input by input.
///
/// The write-ahead law lives here: an event's transition is computed (checked against the
/// machine's definition), handed out as ``Action/append(_:)``, and its intents are dispatched
/// only once ``Input/appended(_:)`` says the record committed.
///
/// Some actions await a reply: ``Action/reconcile(_:)`` (answered by
/// ``Input/reconciled(_:)``), ``Action/append(_:)`` (``Input/appended(_:)`` or
/// ``Input/leaseLost``) and ``Action/readOperatorRequest`` (``Input/operatorRequest(_:)``).
/// Such an action is always the last of its list, and the next input must be its reply.
struct RunDriverMachine<Machine: StateMachine>: Sendable {
    /// What happened, fed to ``handle(_:now:)``.
    enum Input: Hashable, Sendable {
        /// The answers to ``Action/reconcile(_:)``, one per intent, in order.
        case reconciled([ReconcileFinding<Machine.Event>])
        /// The append asked for committed.
        case appended(JournalReceipt)
        /// The store refused an append: the lease epoch is stale or the run finished under
        /// another owner.
        case leaseLost
        /// The store could not be reached for an append: whether it committed is unknown.
        case storeUnreachable(String)
        /// An effect's outcome.
        case outcome(Machine.Event)
        /// The executor threw an error other than cancellation while performing the intent.
        case effectFailed(EffectIntent<Machine.Effect>, reason: String)
        /// A timer armed with ``Action/armTimer(at:)`` fired.
        case timerFired(Timestamp)
        /// The engine signalled an operator request for the run (a cancel, a decision).
        case cancelSignalled
        /// The answer to ``Action/readOperatorRequest``: the run's request, if it has one.
        case operatorRequest(OperatorRequest?)
        /// The driver's task is cancelled (shutdown): leave the run to the next owner.
        case shutdown
    }

    /// What to do, returned by ``start(now:)`` and ``handle(_:now:)``.
    enum Action: Hashable, Sendable {
        /// Keep the resources `state` holds alive while the run is driven (the executor's
        /// ``EffectExecutor/driving(_:run:machine:)``).
        case keepAlive(Machine.State)
        /// Ask the outside world whether these intents' effects happened; reply
        /// ``Input/reconciled(_:)``.
        case reconcile([EffectIntent<Machine.Effect>])
        /// Append this record under the lease; reply ``Input/appended(_:)`` or
        /// ``Input/leaseLost``.
        case append(AppendRequest)
        /// Fire these intents, just journaled; each outcome comes back as ``Input/outcome(_:)``.
        case dispatch([EffectIntent<Machine.Effect>])
        /// Fire these intents again with their keys (recovery found them unanswered).
        case redispatch([EffectIntent<Machine.Effect>])
        /// Feed ``Input/timerFired(_:)`` at this instant.
        case armTimer(at: Timestamp)
        /// Read the run's operator request; reply ``Input/operatorRequest(_:)``.
        case readOperatorRequest
        /// Feed ``Input/cancelSignalled`` when the engine signals a cancel request.
        case awaitCancelSignal
        /// Delete the run's operator request: its event is journaled, or refused because the
        /// run is past it (a cancel of a run that is reporting, a decision about a run no longer
        /// parked).
        case clearOperatorRequest
        /// Tell the log.
        case report(DriverReport)
        /// Release the lease (the run parks or halts).
        case release(Lease)
        /// Stop: cancel what is in flight and return `result`.
        case finish(DriveResult)
    }

    /// Where the driver is.
    private enum Phase: Equatable, Sendable {
        /// Waiting for the findings of ``Action/reconcile(_:)``.
        case reconciling
        /// Waiting for an append to commit: the transition it records.
        case appending(Transition<Machine>)
        /// Waiting for the cancel request read.
        case readingCancel
        /// Waiting for an outcome, a timer or a cancel signal.
        case waiting
        /// Done; every further input is ignored.
        case finished
    }

    /// The run's machine, configured with its input.
    let machine: Machine
    /// The lease the run is driven under.
    let lease: Lease
    /// The current, journaled state.
    private(set) var state: Machine.State
    /// The run's last record number.
    private(set) var lastRunSeq: Int
    /// The global sequence number of the run's last record.
    private(set) var lastSeq: Int64
    /// How long a lease lasts after the worker's last heartbeat, in milliseconds.
    let leaseTTL: Int64
    /// The host the worker runs on: each append ties the run to it while the new state holds
    /// resources there (``StateMachine/hostResourceGrace(in:)``).
    let host: String

    private let pendingAtLoad: [EffectIntent<Machine.Effect>]
    private let checksCancelAtStart: Bool
    /// Whether the machine takes operator requests (a cancel, a decision).
    private let answersOperators: Bool
    private var phase = Phase.reconciling
    /// Events to feed, in order.
    private var backlog: [Machine.Event] = []
    /// Intents dispatched whose outcome has not come back.
    private(set) var inFlight = 0
    /// The wakeup a timer is armed for.
    private var armed: Timestamp?
    /// Whether an operator request was taken into the backlog and is still to be deleted.
    private var requestTaken = false

    /// A driver for a run loaded at `lastRunSeq`/`lastSeq` in `state`, whose journal holds
    /// `pending` intents without an outcome.
    ///
    /// - Parameter checkCancel: Whether to read the run's cancel request at the start (the
    ///   engine saw one when it took the run); later requests arrive as signals.
    init(
        machine: Machine,
        lease: Lease,
        state: Machine.State,
        lastRunSeq: Int,
        lastSeq: Int64,
        pending: [EffectIntent<Machine.Effect>],
        leaseTTL: Int64,
        host: String,
        checkCancel: Bool
    ) {
        self.machine = machine
        self.lease = lease
        self.state = state
        self.lastRunSeq = lastRunSeq
        self.lastSeq = lastSeq
        self.pendingAtLoad = pending
        self.leaseTTL = leaseTTL
        self.host = host
        self.checksCancelAtStart = checkCancel
        self.answersOperators = machine.cancelEvent(reason: "") != nil || machine.resolutionEvent(.retry, note: "") != nil
    }

    /// A driver for a run just loaded from the journal.
    init(_ run: JournaledRun<Machine>, leaseTTL: Int64, host: String, checkCancel: Bool) {
        self.init(
            machine: run.machine,
            lease: run.lease,
            state: run.state,
            lastRunSeq: run.lastRunSeq,
            lastSeq: run.lastSeq,
            pending: run.pendingAtLoad,
            leaseTTL: leaseTTL,
            host: host,
            checkCancel: checkCancel
        )
    }

    /// Whether the driver has finished.
    var isFinished: Bool { phase == .finished }

    /// The first actions: keep the run's resources alive, then recovery (ask about the intents a
    /// previous owner left in flight whose policy is to reconcile).
    mutating func start(now: Timestamp) -> [Action] {
        var actions: [Action] = [.keepAlive(state)]
        let questions = Recovery.questions(pendingAtLoad)
        if !questions.isEmpty {
            phase = .reconciling
            actions.append(.reconcile(questions))
            return actions
        }
        recover(findings: [], now: now, into: &actions)
        return actions
    }

    /// Takes `input`, which happened at `now`, and returns what to do.
    mutating func handle(_ input: Input, now: Timestamp) -> [Action] {
        var actions: [Action] = []
        handle(input, now: now, into: &actions)
        return actions
    }

    /// Takes `input`, which happened at `now`, and appends what to do to `actions` (an
    /// interpreter reuses one buffer: no allocation per input).
    mutating func handle(_ input: Input, now: Timestamp, into actions: inout [Action]) {
        switch (phase, input) {
        case (.finished, _):
            return
        case (_, .shutdown):
            finish(.stopped, into: &actions)
        case (.reconciling, .reconciled(let findings)):
            recover(findings: findings, now: now, into: &actions)
        case (.appending(let transition), .appended(let receipt)):
            state = transition.state
            lastRunSeq += 1
            lastSeq = receipt.seq
            actions.append(.keepAlive(state))
            if !transition.intents.isEmpty {
                inFlight += transition.intents.count
                actions.append(.dispatch(transition.intents))
            }
            advance(now: now, into: &actions)
        case (.appending, .leaseLost):
            actions.append(.report(.leaseLost))
            finish(.lostLease, into: &actions)
        case (.appending, .storeUnreachable(let reason)):
            actions.append(.report(.storeUnreachable(reason)))
            finish(.interrupted(reason: reason), into: &actions)
        case (.readingCancel, .operatorRequest(let request)):
            let event: Machine.Event? =
                switch request {
                case .cancel(let reason)?: machine.cancelEvent(reason: reason)
                case .resolve(let resolution, let note)?: machine.resolutionEvent(resolution, note: note)
                case nil: nil
                }
            // A request the machine has no event for (a decision for a machine whose runs never
            // wait for an operator) is deleted too, or it would be read again at every poll.
            requestTaken = request != nil
            if let event {
                backlog.append(event)
            }
            advance(now: now, into: &actions)
        case (.waiting, .outcome(let event)):
            inFlight -= 1
            backlog.append(event)
            advance(now: now, into: &actions)
        case (.waiting, .effectFailed(let intent, let reason)):
            inFlight -= 1
            actions.append(.report(.executorFailed(intent: intent.id, effect: intent.effect.kind, reason: reason)))
            backlog.append(machine.outcomeUnknown(for: intent.id, reason: "the executor failed: \(reason)"))
            advance(now: now, into: &actions)
        case (.waiting, .timerFired(let at)):
            if at == armed { armed = nil }
            if let event = machine.timerEvent(in: state, at: now) {
                backlog.append(event)
            }
            advance(now: now, into: &actions)
        case (.waiting, .cancelSignalled):
            actions.append(.awaitCancelSignal)
            if answersOperators, !requestTaken {
                phase = .readingCancel
                actions.append(.readOperatorRequest)
            }
        case (_, .reconciled), (_, .appended), (_, .leaseLost), (_, .storeUnreachable), (_, .operatorRequest), (_, .outcome),
            (_, .effectFailed), (_, .timerFired), (_, .cancelSignalled):
            // The interpreter broke the contract (a reply without its question, or an input
            // while a reply is awaited): nothing here is safe to guess, so leave the run to the
            // next owner, whose recovery settles it from the journal.
            assertionFailure("input \(input) in phase \(phase)")
            finish(.stopped, into: &actions)
        }
    }

    /// Recovery with the findings in hand: re-fire, feed the outcomes, then start driving.
    private mutating func recover(findings: [ReconcileFinding<Machine.Event>], now: Timestamp, into actions: inout [Action]) {
        let plan = Recovery.plan(pending: pendingAtLoad, machine: machine, findings: findings)
        if !pendingAtLoad.isEmpty {
            actions.append(.report(.recovering(epoch: lease.epoch, pending: pendingAtLoad.count, refired: plan.redispatch.count, settled: plan.events.count)))
        }
        if !plan.redispatch.isEmpty {
            inFlight += plan.redispatch.count
            actions.append(.redispatch(plan.redispatch))
        }
        backlog += plan.events
        if let event = machine.driverEvent(in: state) {
            backlog.append(event)
        }
        if answersOperators {
            actions.append(.awaitCancelSignal)
            if checksCancelAtStart {
                phase = .readingCancel
                actions.append(.readOperatorRequest)
                return
            }
        }
        advance(now: now, into: &actions)
    }

    /// Feeds the backlog one event at a time (each awaits its append); once it is empty,
    /// finishes, parks, or arms the next timer and waits.
    private mutating func advance(now: Timestamp, into actions: inout [Action]) {
        while !backlog.isEmpty {
            let event = backlog.removeFirst()
            let seq = lastRunSeq + 1
            let transition: Transition<Machine>
            do {
                transition = try machine.checkedTransition(from: state, on: event, seq: seq)
            } catch {
                switch error.code {
                case .undeclaredEdge, .malformedTransition:
                    actions.append(.report(.machineDefect(error)))
                    actions.append(.release(lease))
                    finish(.halted(state: state.name, lastSeq: lastSeq, reason: error.description), into: &actions)
                    return
                case .notAccepted, .terminalState, .staleOutcome, .premature, .invalidEvent:
                    actions.append(.report(.eventRefused(error)))
                    continue
                }
            }
            phase = .appending(transition)
            actions.append(
                .append(
                    AppendRequest(
                        machine: machine,
                        run: lease.run,
                        runSeq: seq,
                        previousSeq: lastSeq,
                        epoch: lease.epoch,
                        at: now,
                        event: event,
                        transition: transition,
                        affinity: machine.hostResourceGrace(in: transition.state).map { HostAffinity(host: host, graceMilliseconds: $0) }
                    )
                )
            )
            return
        }
        if requestTaken {
            requestTaken = false
            actions.append(.clearOperatorRequest)
        }
        if machine.machineRevision.definition.isTerminal(state.name) {
            finish(.finished(state: state.name), into: &actions)
            return
        }
        let wakeup = machine.nextWakeup(in: state)
        if let wakeup, wakeup != armed {
            armed = wakeup
            actions.append(.armTimer(at: wakeup))
        }
        let soon = wakeup.map { $0.milliseconds.subtractingSaturated(now.milliseconds) <= leaseTTL.multipliedSaturated(by: 2) } ?? false
        if inFlight == 0, !soon {
            actions.append(.release(lease))
            finish(.parked(state: state.name, wakeup: wakeup, lastSeq: lastSeq), into: &actions)
            return
        }
        phase = .waiting
    }

    private mutating func finish(_ result: DriveResult, into actions: inout [Action]) {
        phase = .finished
        actions.append(.finish(result))
    }
}
