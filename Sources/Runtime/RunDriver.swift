import Failpoints
import Journal
import Logging
import RunStateMachine

/// Drives one leased run: performs what its ``RunDriverMachine`` decides and feeds the results
/// back, until the run finishes, parks, halts, loses its lease or the task is cancelled.
///
/// Recovery settles every intent the journal holds without an outcome, by its policy: re-fire
/// (idempotent), ask the executor (reconcile), or tell the machine the outcome is unknown
/// (compensate, in doubt). Then one event at a time: the checked transition is appended and
/// committed by the journal, and only then are its intents handed to the executor; outcomes and
/// due timers come back as the next events. The lease is renewed meanwhile.
struct RunDriver<Executor: EffectExecutor>: Sendable {
    typealias Machine = Executor.Machine
    private typealias Input = RunDriverMachine<Machine>.Input

    let journal: any JournalStore
    let executor: Executor
    let clock: any RuntimeClock
    /// How long a lease lasts unless renewed, in milliseconds.
    let leaseTTL: Int64
    /// The host the worker runs on.
    let host: String
    /// Where the engine signals that a run has a cancel request.
    let cancelSignals: CancelSignals
    /// Where takeovers, refusals, defects and executor failures are told, with the run's id.
    let logger: Logger

    /// Drives the leased run until it finishes, parks, halts, loses its lease or the task is
    /// cancelled.
    ///
    /// - Parameter checkCancel: Whether to look for a cancel request at once (the engine saw
    ///   one when it took the run); later requests arrive as the engine's signals.
    func drive(_ lease: Lease, checkCancel: Bool = true) async throws -> DriveResult {
        defer { cancelSignals.forget(lease.run.number) }
        do {
            let result = try await driveHeld(lease, checkCancel: checkCancel)
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

    private func driveHeld(_ lease: Lease, checkCancel: Bool) async throws -> DriveResult {
        let run = try await JournaledRun<Machine>.load(lease, from: journal)
        var driver = RunDriverMachine(run, leaseTTL: leaseTTL, host: host, checkCancel: checkCancel)
        var logger = self.logger
        logger[metadataKey: "run"] = .string(lease.run.id.value)
        return try await withThrowingTaskGroup(of: Input.self) { group in
            var actions = driver.start(now: clock.now())
            while true {
                var reply: Input?
                for action in actions {
                    switch action {
                    case .keepAlive(let state):
                        await executor.driving(state, run: lease.run, machine: driver.machine)
                    case .reconcile(let intents):
                        var findings: [ReconcileFinding<Machine.Event>] = []
                        for intent in intents {
                            findings.append(await executor.reconcile(intent, context: context(intent.id, driver.lease, driver.machine)))
                        }
                        // Findings made while shutting down ("the worker stopped while waiting")
                        // say nothing about the effect: the next owner asks again.
                        reply = Task.isCancelled ? .shutdown : .reconciled(findings)
                    case .append(let request):
                        do {
                            reply = .appended(try await journal.append(request))
                        } catch let error as JournalError where error.code == .staleEpoch || error.code == .runFinished {
                            reply = .leaseLost
                        } catch let error as JournalError where error.code == .unavailable {
                            reply = .storeUnreachable(error.description)
                        }
                    case .dispatch(let intents):
                        Failpoint.hit(.beforeDispatch)
                        for intent in intents { perform(intent, context(intent.id, driver.lease, driver.machine), in: &group) }
                    case .redispatch(let intents):
                        for intent in intents { perform(intent, context(intent.id, driver.lease, driver.machine), in: &group) }
                    case .armTimer(let at):
                        group.addTask { [clock] in
                            try await clock.sleep(until: at)
                            return .timerFired(at)
                        }
                    case .readOperatorRequest:
                        reply = .operatorRequest(try? await journal.operatorRequest(runNo: lease.run.number))
                    case .awaitCancelSignal:
                        group.addTask { [cancelSignals] in
                            await cancelSignals.wait(for: lease.run.number) ? .cancelSignalled : .shutdown
                        }
                    case .clearOperatorRequest:
                        try? await journal.clearOperatorRequest(runNo: lease.run.number)
                    case .report(let report):
                        logger.log(level: report.logLevel, "\(report)")
                    case .release(let lease):
                        try? await journal.releaseLease(lease)
                    case .finish(let result):
                        group.cancelAll()
                        return result
                    }
                }
                let input: Input
                if let reply {
                    input = reply
                } else {
                    do {
                        input = try await group.next() ?? .shutdown
                    } catch {
                        // A timer's sleep ends early only when the driver's task is cancelled.
                        input = .shutdown
                    }
                }
                actions.removeAll(keepingCapacity: true)
                driver.handle(input, now: clock.now(), into: &actions)
            }
        }
    }

    private func context(_ intent: IntentID, _ lease: Lease, _ machine: Machine) -> EffectContext<Machine> {
        EffectContext(run: lease.run, machine: machine, epoch: lease.epoch, key: EffectContext<Machine>.key(of: intent, in: lease.run), journal: journal)
    }

    /// Performs `intent` in a task of `group`; its outcome, or the executor's failure, comes
    /// back as an input. Cancellation (shutdown) leaves the effect to the next owner.
    private func perform(_ intent: EffectIntent<Machine.Effect>, _ context: EffectContext<Machine>, in group: inout ThrowingTaskGroup<Input, any Error>) {
        group.addTask { [executor] in
            do {
                Failpoint.hit(.beforeEffect)
                let outcome = try await executor.perform(intent, context: context)
                Failpoint.hit(.afterEffect)
                return .outcome(outcome)
            } catch {
                // Shutdown: the effect is left to the next owner, whatever the executor threw
                // on its way out (a cancelled HTTP request is not a failed one).
                if error is CancellationError || Task.isCancelled { return .shutdown }
                return .effectFailed(intent, reason: "\(error)")
            }
        }
    }
}
