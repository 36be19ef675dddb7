import Journal
import RunStateMachine
@testable import Runtime

/// The outside world a sandbox-job worker acts on, simulated: sandboxes, commands whose records
/// survive the worker, and a status sink. It records everything so tests can check invariants.
actor World {
    /// What a command's record says.
    enum CommandRecord: Sendable {
        case finished(StepResult)
        /// Started, and its outcome was lost with the worker.
        case lost
    }

    private(set) var sandboxes: [String: SandboxID] = [:]
    private(set) var alive: Set<SandboxID> = []
    private(set) var killed: Set<SandboxID> = []
    /// Runs whose drivers let go of them (and of what they hold).
    private(set) var released: [String] = []
    func release(_ run: String) { released.append(run) }
    private(set) var commands: [String: CommandRecord] = [:]
    /// How many times each command key was started (at most once for non-idempotent steps).
    private(set) var starts: [String: Int] = [:]
    private(set) var reports: [String: Int] = [:]
    /// Effect keys that fail the next time they are performed.
    private var failing: Set<String> = []
    /// Effect kinds that never return (the worker is about to "crash").
    private var hanging: Set<String> = []
    /// Commands whose outcome is lost when started (as if the worker died mid-command).
    private var losing: Set<String> = []
    private var nextSandbox = 0
    /// Commands still to fail, lose or hang after running, counted down as commands start.
    private var commandsToFail = 0
    private var commandsToLose = 0
    private var hangAfterCommands = false

    func failCommands(_ count: Int) { commandsToFail = count }
    func loseCommands(_ count: Int) { commandsToLose = count }
    func hangAfterCommand(_ on: Bool) { hangAfterCommands = on }
    var hangsAfterCommand: Bool { hangAfterCommands }
    /// Whether reconciling a command waits (as for a command still running) until told not to.
    private(set) var reconcileWaits = false
    func waitInReconcile(_ on: Bool) { reconcileWaits = on }

    func failNext(key: String) { failing.insert(key) }
    func hang(kind: String) { hanging.insert(kind) }
    func unhang() { hanging.removeAll() }
    func loseOutcome(key: String) { losing.insert(key) }

    func isHanging(_ kind: String) -> Bool { hanging.contains(kind) }

    func create(key: String) -> SandboxID {
        if let existing = sandboxes[key] { return existing }
        nextSandbox += 1
        let id = SandboxID("sbx-\(nextSandbox)")
        sandboxes[key] = id
        alive.insert(id)
        return id
    }

    func sandbox(forKey key: String) -> SandboxID? { sandboxes[key] }

    func run(key: String) -> StepResult? {
        starts[key, default: 0] += 1
        if commandsToLose > 0 {
            commandsToLose -= 1
            commands[key] = .lost
            return nil
        }
        if commandsToFail > 0 {
            commandsToFail -= 1
            let failed = StepResult(exit: .exited(code: 1))
            commands[key] = .finished(failed)
            return failed
        }
        if losing.remove(key) != nil {
            commands[key] = .lost
            return nil
        }
        let result = failing.remove(key) != nil ? StepResult(exit: .exited(code: 1)) : StepResult(exit: .exited(code: 0))
        commands[key] = .finished(result)
        return result
    }

    func record(key: String) -> CommandRecord? { commands[key] }

    func kill(_ sandbox: SandboxID) {
        alive.remove(sandbox)
        killed.insert(sandbox)
    }

    func report(key: String) { reports[key, default: 0] += 1 }
}

/// Performs sandbox-job effects against a ``World``.
struct WorldExecutor: EffectExecutor {
    typealias Machine = SandboxJob
    let world: World
    let clock: any RuntimeClock

    func perform(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<SandboxJob>) async throws -> SandboxJobEvent {
        while await world.isHanging(intent.effect.kind) {
            try await Task.sleep(for: .milliseconds(5))
        }
        switch intent.effect {
        case .createSandbox:
            return .sandboxCreated(intent: intent.id, sandbox: await world.create(key: context.key))
        case .runStep:
            guard let result = await world.run(key: context.key) else {
                // The worker "dies" here: this outcome never reaches the journal.
                while true { try await Task.sleep(for: .seconds(60)) }
            }
            while await world.hangsAfterCommand {
                try await Task.sleep(for: .milliseconds(5))
            }
            return .stepFinished(intent: intent.id, result: result, at: clock.now())
        case .collectArtifacts:
            return .collected(intent: intent.id, artifacts: [])
        case .killSandbox(let sandbox):
            await world.kill(sandbox)
            return .sandboxReleased(intent: intent.id)
        case .reportStatus:
            await world.report(key: context.key)
            return .statusReported(intent: intent.id)
        case .callModel, .runTool:
            return .effectInDoubt(intent: intent.id, reason: "the simulated world has no model")
        }
    }

    func released(_ run: RunRef) async {
        await world.release(run.id.value)
    }

    func reconcile(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<SandboxJob>) async -> ReconcileFinding<SandboxJobEvent> {
        switch intent.effect {
        case .createSandbox:
            guard let sandbox = await world.sandbox(forKey: context.key) else { return .notHappened }
            return .happened(.sandboxCreated(intent: intent.id, sandbox: sandbox))
        case .runStep, .runTool:
            while await world.reconcileWaits {
                // As a real sandbox's: a wait for a running command that the shutdown ends.
                guard (try? await Task.sleep(for: .milliseconds(5))) != nil else {
                    return .unknown(reason: "the worker stopped while waiting for the command")
                }
            }
            switch await world.record(key: context.key) {
            case nil: return .notHappened
            case .finished(let result)?: return .happened(.stepFinished(intent: intent.id, result: result, at: clock.now()))
            case .lost?: return .unknown(reason: "the command started but its outcome was lost")
            }
        default:
            return .notHappened
        }
    }
}
