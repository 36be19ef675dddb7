import Foundation
import Journal
import RunStateMachine
@testable import Runtime
import Testing
import TestSupport

/// The deterministic simulation of the runtime: seeded runs, a seeded outside world, and crashes
/// (every in-memory state dropped; the next worker takes the runs over once their leases expire
/// and recovers them from the journal) at every point of the driver's loop: after an append
/// before its intents fire, after an effect before its outcome is journaled, and mid-command.
///
/// It drives runs with the same pieces as ``RunDriver`` (``JournaledRun/apply(_:at:)`` and
/// ``Recovery/plan(pending:machine:reconcile:)``) but one step at a time, in an order the seed
/// decides, against the real SQLite journal; a failing seed prints itself and replays exactly:
/// `RUNLOG_SIM_SEED=<seed> swift test --filter SimulationTests`.
@Suite("Deterministic simulation")
struct SimulationTests {
    static let shards = 20
    static let seedsPerShard = 500

    /// A directory on a memory file system if there is one (fsync is then free, so 10,000 seeds
    /// take seconds), else the temporary directory; the journal code is the same either way.
    static func fastDirectory() -> TemporaryDirectory {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue,
            access("/dev/shm", W_OK) == 0
        {
            return TemporaryDirectory(base: "/dev/shm")
        }
        return TemporaryDirectory()
    }

    @Test("invariants hold for every seed (10,000 in all)", arguments: 0..<shards)
    func seeds(shard: Int) async throws {
        let directory = Self.fastDirectory()
        let journal = try SQLiteJournal.open(path: directory.file("sim.sqlite"))
        defer { journal.close() }
        let seeds = (shard * Self.seedsPerShard)..<((shard + 1) * Self.seedsPerShard)
        for seed in seeds {
            var simulation = Simulation(seed: UInt64(seed), journal: journal)
            if let failure = try await simulation.run() {
                Issue.record("seed \(seed) failed: \(failure)\nreproduce: RUNLOG_SIM_SEED=\(seed) swift test --filter SimulationTests\n\(simulation.trace.suffix(40).joined(separator: "\n"))")
                return
            }
        }
        let report = try journal.verify()
        #expect(report.ok, "\(report.problems.prefix(5))")
    }

    @Test("one seed from RUNLOG_SIM_SEED, with its trace")
    func replayOneSeed() async throws {
        guard let text = ProcessInfo.processInfo.environment["RUNLOG_SIM_SEED"], let seed = UInt64(text) else { return }
        let directory = TemporaryDirectory()
        let journal = try SQLiteJournal.open(path: directory.file("sim.sqlite"))
        defer { journal.close() }
        var simulation = Simulation(seed: seed, journal: journal)
        let failure = try await simulation.run()
        print(simulation.trace.joined(separator: "\n"))
        #expect(failure == nil, "\(failure ?? "")")
    }

    @Test("the same seed makes the same decisions")
    func deterministic() async throws {
        var traces: [[String]] = []
        for _ in 0..<2 {
            let directory = Self.fastDirectory()
            let journal = try SQLiteJournal.open(path: directory.file("sim.sqlite"))
            var simulation = Simulation(seed: 4242, journal: journal)
            _ = try await simulation.run()
            traces.append(simulation.trace.map { $0.replacingOccurrences(of: #"[0-9a-z]{26}"#, with: "RUN", options: .regularExpression) })
            journal.close()
        }
        #expect(traces[0] == traces[1])
        #expect(traces[0].count > 10)
    }
}

/// The outside world of one simulation, deterministic.
struct SimWorld {
    enum Record { case finished(StepResult), lost }

    var sandboxes: [String: SandboxID] = [:]
    var alive: Set<SandboxID> = []
    var owner: [SandboxID: String] = [:]
    var commands: [String: Record] = [:]
    var starts: [String: Int] = [:]
    /// Command keys performed under the reconcile policy (non-idempotent steps).
    var reconciled: Set<String> = []
    var next = 0
}

/// One seeded simulation.
struct Simulation {
    struct Driving {
        var run: JournaledRun<SandboxJob>
        var backlog: [SandboxJobEvent]
        var inFlight: [EffectIntent<SandboxJobEffect>]
    }

    var random: SplitMix
    let journal: SQLiteJournal
    var world = SimWorld()
    var clock = Timestamp(milliseconds: 1_900_000_000_000)
    var generation = 0
    var driving: [Int64: Driving] = [:]
    var committed: Set<String> = []
    var runs: [RunRef] = []
    var trace: [String] = []
    let leaseTTL: Int64 = 10_000

    init(seed: UInt64, journal: SQLiteJournal) {
        random = SplitMix(seed: seed &* 0x9E37_79B9 &+ 17)
        self.journal = journal
    }

    mutating func roll(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    mutating func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }
    var owner: String { "sim-worker-\(generation)" }
    func key(_ intent: IntentID, _ run: RunRef) -> String { EffectContext<SandboxJob>.key(of: intent, in: run) }

    mutating func log(_ line: String) { trace.append(line) }

    /// Runs the seed; returns a description of the first broken invariant, if any.
    mutating func run() async throws -> String? {
        for _ in 0..<(1 + pick(3)) {
            let steps = (0..<(1 + pick(3))).map { index in
                StepSpec(
                    name: "s\(index)",
                    run: "true",
                    timeoutSeconds: 60,
                    retry: RetryPolicy(maxAttempts: 1 + pick(3), backoffMilliseconds: Int64(pick(3) * 500)),
                    idempotent: roll(40)
                )
            }
            let spec = JobSpec(kind: .shell, name: "sim", deadlineSeconds: 60 + pick(3600), steps: steps, collect: roll(30) ? ["out"] : [])
            let submitted = try await journal.submit(spec, at: clock)
            runs.append(submitted.run)
            log("submit \(submitted.run.id) steps=\(steps.count)")
        }
        var steps = 0
        while steps < 2000 {
            steps += 1
            let summaries = try runs.map { try journal.run(matching: $0.id.value) }
            if summaries.allSatisfy({ $0.terminal }) { break }
            if roll(2) {
                crash("at random")
                continue
            }
            if driving.isEmpty || roll(10) {
                try await takeRunnable()
            }
            if driving.isEmpty {
                // Every unfinished run is leased by a dead worker or parked: time passes.
                clock = clock.adding(milliseconds: leaseTTL / 2)
                if let parked = summaries.first(where: { !$0.terminal && $0.stateName == "needsAttention" }), roll(50) {
                    try await resolve(parked)
                }
                continue
            }
            let numbers = driving.keys.sorted()
            try await step(numbers[pick(numbers.count)])
        }
        return try check()
    }

    mutating func crash(_ why: String) {
        log("CRASH \(why): \(driving.count) runs dropped")
        driving = [:]
        generation += 1
        clock = clock.adding(milliseconds: leaseTTL + 1)
    }

    /// Leases every runnable run and recovers it, as a worker does on taking a run.
    mutating func takeRunnable() async throws {
        for summary in try journal.runnable(at: clock) where driving[summary.run.number] == nil {
            guard summary.stateName != "needsAttention" else { continue }
            let lease = try await journal.acquireLease(run: summary.run.id, owner: owner, ttlMilliseconds: leaseTTL, at: clock)
            let run = try JournaledRun<SandboxJob>.load(lease, from: journal)
            for intent in run.pendingAtLoad {
                committed.insert(key(intent.id, lease.run))
            }
            var world = self.world
            let clock = self.clock
            let plan = await Recovery.plan(pending: run.pendingAtLoad, machine: run.machine) { intent in
                Self.reconcile(intent, key: EffectContext<SandboxJob>.key(of: intent.id, in: lease.run), world: &world, clock: clock)
            }
            self.world = world
            var backlog = plan.events
            if let event = run.machine.driverEvent(in: run.state) { backlog.append(event) }
            log("take \(summary.run.id) epoch=\(lease.epoch) state=\(run.state.name) pending=\(run.pendingAtLoad.count) redispatch=\(plan.redispatch.count) events=\(plan.events.map(\.name))")
            driving[summary.run.number] = Driving(run: run, backlog: backlog, inFlight: plan.redispatch)
        }
    }

    /// An operator decides about a parked run.
    mutating func resolve(_ summary: RunSummary) async throws {
        let lease = try await journal.acquireLease(run: summary.run.id, owner: "operator", ttlMilliseconds: leaseTTL, at: clock)
        var run = try JournaledRun<SandboxJob>.load(lease, from: journal)
        let resolution = Resolution.allCases[pick(3)]
        log("operator \(resolution.rawValue) \(summary.run.id)")
        do {
            let transition = try await run.apply(.operatorResolved(resolution: resolution, note: "sim"), at: clock)
            for intent in transition.intents { committed.insert(key(intent.id, lease.run)) }
            try await journal.releaseLease(lease)
        } catch is IllegalTransition {
            try await journal.releaseLease(lease)
        }
    }

    /// One step of one run's loop.
    mutating func step(_ number: Int64) async throws {
        guard var current = driving[number] else { return }
        let run = current.run
        if !current.backlog.isEmpty {
            let event = current.backlog.removeFirst()
            do {
                let transition = try await current.run.apply(event, at: clock)
                log("apply \(event.name) -> \(current.run.state.name)")
                for intent in transition.intents { committed.insert(key(intent.id, run.lease.run)) }
                current.inFlight += transition.intents
                driving[number] = current
                if roll(3) { crash("after an append, before its intents fire") }
            } catch is IllegalTransition {
                log("refused \(event.name) in \(current.run.state.name)")
                driving[number] = current
            }
            return
        }
        if !current.inFlight.isEmpty {
            let intent = current.inFlight.removeFirst()
            let effectKey = key(intent.id, run.lease.run)
            precondition(committed.contains(effectKey), "effect \(effectKey) fired before its intent committed")
            guard let outcome = perform(intent, key: effectKey, policy: intent.policy) else {
                crash("mid-command (its outcome is lost)")
                return
            }
            log("perform \(intent.effect.kind) -> \(outcome.name)")
            if roll(3) {
                crash("after an effect, before its outcome is journaled")
                return
            }
            current.backlog.append(outcome)
            driving[number] = current
            return
        }
        if SandboxJob.latest.definition.isTerminal(current.run.state.name) {
            driving[number] = nil
            return
        }
        if let wakeup = current.run.machine.nextWakeup(in: current.run.state) {
            if wakeup > clock { clock = wakeup }
            if let event = current.run.machine.timerEvent(in: current.run.state, at: clock) {
                log("timer \(event.name)")
                current.backlog.append(event)
            }
            driving[number] = current
            return
        }
        log("parked \(run.lease.run.id) in \(current.run.state.name)")
        try await journal.releaseLease(current.run.lease)
        driving[number] = nil
    }

    mutating func perform(_ intent: EffectIntent<SandboxJobEffect>, key: String, policy: RecoveryPolicy) -> SandboxJobEvent? {
        switch intent.effect {
        case .createSandbox:
            if let existing = world.sandboxes[key] { return .sandboxCreated(intent: intent.id, sandbox: existing) }
            if roll(10) { return .sandboxCreateFailed(intent: intent.id, reason: "quota", retryable: true, at: clock) }
            world.next += 1
            let sandbox = SandboxID("sim-\(world.next)")
            world.sandboxes[key] = sandbox
            world.alive.insert(sandbox)
            world.owner[sandbox] = String(key.prefix(26))
            return .sandboxCreated(intent: intent.id, sandbox: sandbox)
        case .runStep:
            world.starts[key, default: 0] += 1
            if policy == .reconcile { world.reconciled.insert(key) }
            if roll(3) {
                world.commands[key] = .lost
                return nil
            }
            let result = StepResult(exit: roll(15) ? .exited(code: 1) : .exited(code: 0))
            world.commands[key] = .finished(result)
            return .stepFinished(intent: intent.id, result: result, at: clock)
        case .collectArtifacts:
            return .collected(intent: intent.id, artifacts: [])
        case .killSandbox(let sandbox):
            if roll(5) { return .sandboxReleaseFailed(intent: intent.id, reason: "api", at: clock) }
            world.alive.remove(sandbox)
            return .sandboxReleased(intent: intent.id)
        case .reportStatus:
            if roll(5) { return .statusReportFailed(intent: intent.id, reason: "503", retryable: true, at: clock) }
            return .statusReported(intent: intent.id)
        case .callModel, .runTool:
            return .effectInDoubt(intent: intent.id, reason: "no model in the simulation")
        }
    }

    static func reconcile(_ intent: EffectIntent<SandboxJobEffect>, key: String, world: inout SimWorld, clock: Timestamp) -> ReconcileFinding<SandboxJobEvent> {
        switch intent.effect {
        case .createSandbox:
            guard let sandbox = world.sandboxes[key] else { return .notHappened }
            return .happened(.sandboxCreated(intent: intent.id, sandbox: sandbox))
        case .runStep, .runTool:
            switch world.commands[key] {
            case nil: return .notHappened
            case .finished(let result)?: return .happened(.stepFinished(intent: intent.id, result: result, at: clock))
            case .lost?: return .unknown(reason: "the command started; its outcome was lost")
            }
        default:
            return .notHappened
        }
    }

    /// The invariants, checked once the seed is done.
    func check() throws -> String? {
        for run in runs {
            let summary = try journal.run(matching: run.id.value)
            guard summary.terminal || summary.stateName == "needsAttention" else {
                return "run \(run.id) is stuck in \(summary.stateName)"
            }
            if summary.terminal, let sandbox = world.alive.first(where: { world.owner[$0] == run.id.value }) {
                return "run \(run.id) finished but its sandbox \(sandbox) is alive"
            }
            let replay = MachineRegistry.standard.replay(try journal.records(of: run))
            if let divergence = replay.divergence {
                return "run \(run.id) does not replay: \(divergence)"
            }
        }
        for key in world.reconciled where (world.starts[key] ?? 0) > 1 {
            return "non-idempotent command \(key) ran \(world.starts[key] ?? 0) times"
        }
        return nil
    }
}
