import Foundation
import Journal
import RunStateMachine
@testable import Runtime
import SystemSupport
import TestSupport
import Testing

/// The deterministic simulation of the runtime: seeded runs, a seeded outside world, and crashes
/// (every in-memory state dropped; the next worker takes the runs over once their leases expire
/// and recovers them from the journal) at every point of the driver's loop: after an append
/// before its intents fire, after an effect before its outcome is journaled, and mid-command.
///
/// It is an interpreter of the real ``EngineMachine`` and ``RunDriverMachine``s, as ``Engine``
/// and ``RunDriver`` are, but it performs their actions one at a time, in an order the seed
/// decides, against the real SQLite journal and a simulated clock: which effect completes next,
/// when time moves to the next armed timer, when a worker crashes, when an operator asks for a
/// cancel or decides about a parked run. A failing seed prints itself and replays exactly:
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

/// One seeded simulation: one worker at a time (an engine and its drivers), crashing and
/// replaced by the next at the seed's will.
struct Simulation {
    typealias Driver = RunDriverMachine<SandboxJob>

    /// A run being driven: its machine, and what its interpreter holds for it.
    struct Driving {
        var driver: Driver
        /// Intents dispatched whose effects have not been performed.
        var inFlight: [EffectIntent<SandboxJobEffect>] = []
        /// Armed timers.
        var timers: Set<Timestamp> = []
        /// Whether the driver waits for a cancel signal.
        var awaitsCancel = false
    }

    var random: SplitMix
    let journal: SQLiteJournal
    var world = SimWorld()
    var clock = Timestamp(milliseconds: 1_900_000_000_000)
    var generation = 0
    var engine: EngineMachine
    /// The results of drivers that returned, for the engine (it takes them as it waits).
    var inbox: [EngineMachine.Input] = []
    var pollAt: Timestamp?
    var heartbeatAt: Timestamp?
    var driving: [Int64: Driving] = [:]
    /// Cancel signals sent while the driver was not waiting for one.
    var signalled: Set<Int64> = []
    /// (run number, run sequence number) of every committed transition of this simulation.
    var committed: Set<String> = []
    var runs: [RunRef] = []
    var trace: [String] = []
    static let leaseTTL: Int64 = 10_000
    /// Every simulated worker runs on one host.
    static let host = "sim-host"

    init(seed: UInt64, journal: SQLiteJournal) {
        random = SplitMix(seed: seed &* 0x9E37_79B9 &+ 17)
        self.journal = journal
        engine = EngineMachine(options: Self.options(generation: 0, concurrency: 2))
    }

    static func options(generation: Int, concurrency: Int) -> EngineOptions {
        EngineOptions(owner: "sim-worker-\(generation)", host: Self.host, concurrency: concurrency, leaseMilliseconds: leaseTTL, pollMilliseconds: 1000)
    }

    mutating func roll(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    mutating func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }
    func key(_ intent: IntentID, _ run: RunRef) -> String { EffectContext<SandboxJob>.key(of: intent, in: run) }

    mutating func log(_ line: String) { trace.append(line) }

    /// A crash: every in-memory state is dropped; the next worker starts once the leases of
    /// this one have expired.
    struct Crash: Error {}

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
        do {
            try await boot()
        } catch is Crash {
            try await crash()
        }
        var steps = 0
        while steps < 5000 {
            steps += 1
            let summaries = try runs.map { try journal.run(matching: $0.id.value) }
            if summaries.allSatisfy({ $0.terminal }) { break }
            do {
                if roll(2) {
                    log("CRASH at random")
                    throw Crash()
                }
                if roll(1), let target = summaries.filter({ !$0.terminal }).first {
                    log("operator cancels \(target.run.id)")
                    _ = try await journal.requestCancel(run: target.run.id.value, reason: "sim", at: clock)
                }
                try await step(summaries)
            } catch is Crash {
                try await crash()
            }
        }
        return try check()
    }

    /// A new worker: a new engine, started.
    mutating func boot() async throws {
        engine = EngineMachine(options: Self.options(generation: generation, concurrency: 1 + pick(3)))
        inbox = []
        pollAt = nil
        heartbeatAt = nil
        driving = [:]
        signalled = []
        try await performEngine(engine.start(now: clock))
    }

    /// The worker dies; the next one boots (and may die booting: recovery is where crashes
    /// hurt most).
    mutating func crash() async throws {
        while true {
            log("CRASH: \(driving.count) runs dropped")
            generation += 1
            clock = clock.adding(milliseconds: Self.leaseTTL + 1)
            do {
                try await boot()
                return
            } catch is Crash {
                continue
            }
        }
    }

    /// One thing happens, chosen by the seed among what can: a driver's result reaches the engine,
    /// an effect completes, a signalled cancel is read; when nothing can, time moves to the next
    /// armed instant (or an operator decides about a parked run).
    mutating func step(_ summaries: [RunSummary]) async throws {
        var choices: [(String, Int64)] = inbox.isEmpty ? [] : [("inbox", 0)]
        for (number, run) in driving.sorted(by: { $0.key < $1.key }) {
            if !run.inFlight.isEmpty { choices.append(("effect", number)) }
        }
        if !choices.isEmpty {
            let (kind, number) = choices[pick(choices.count)]
            if kind == "inbox" {
                let input = inbox.removeFirst()
                try await performEngine(engine.handle(input, now: clock))
            } else {
                try await performEffect(of: number)
            }
            return
        }
        if let parked = summaries.first(where: { !$0.terminal && $0.stateName == "needsAttention" }), roll(50) {
            try await resolve(parked)
            return
        }
        try await advanceTime()
    }

    /// Moves the clock to the earliest armed instant and delivers what is due there.
    mutating func advanceTime() async throws {
        var instants = driving.values.flatMap { Array($0.timers) }
        if let pollAt { instants.append(pollAt) }
        if let heartbeatAt { instants.append(heartbeatAt) }
        guard let next = instants.min() else {
            clock = clock.adding(milliseconds: Self.leaseTTL / 2)
            return
        }
        if next > clock { clock = next }
        for number in driving.keys.sorted() {
            guard var run = driving[number] else { continue }
            if let timer = run.timers.filter({ $0 <= clock }).min() {
                run.timers.remove(timer)
                driving[number] = run
                log("timer \(number)")
                try await feed(number, .timerFired(timer))
                return
            }
        }
        if let heartbeatAt, heartbeatAt <= clock {
            self.heartbeatAt = nil
            log("heartbeat due")
            try await performEngine(engine.handle(.heartbeatDue, now: clock))
            return
        }
        if let pollAt, pollAt <= clock {
            self.pollAt = nil
            try await performEngine(engine.handle(.pollDue, now: clock))
        }
    }

    /// Performs the engine's actions, feeding each reply back at once, as ``Engine`` does.
    mutating func performEngine(_ first: [EngineMachine.Action]) async throws {
        var actions = first
        while !actions.isEmpty {
            var reply: EngineMachine.Input?
            for action in actions {
                switch action {
                case .claim(let request):
                    // In the background, as ``Engine`` does: its result comes back later.
                    inbox.append(.claimed(try await journal.claim(request)))
                case .loadCancelRequests:
                    reply = .cancelRequests(try journal.operatorRequests())
                case .loadLeaseHorizon(let at):
                    reply = .leaseHorizon(try journal.millisecondsUntilNextLeaseRunsOut(otherThan: "sim-worker-\(generation)", host: Self.host, at: at))
                case .loadUnfinished:
                    reply = .unfinished(try journal.runs(.unfinished))
                case .drive(let lease, let checkCancel):
                    try await start(lease, checkCancel: checkCancel)
                case .release(let lease):
                    try await journal.releaseLease(lease)
                case .signalCancel(let number):
                    if driving[number]?.awaitsCancel == true {
                        driving[number]?.awaitsCancel = false
                        try await feed(number, .cancelSignalled)
                    } else {
                        signalled.insert(number)
                    }
                case .armPoll(let at):
                    pollAt = at
                case .heartbeat(let at):
                    // In the background, as ``Engine`` does: its result comes back later.
                    try await journal.heartbeat(owner: "sim-worker-\(generation)", ttlMilliseconds: Self.leaseTTL, at: at)
                    inbox.append(.heartbeatDone(failure: nil))
                case .armHeartbeat(let at):
                    heartbeatAt = at
                case .awaitWakeUp, .stopDrivers, .finish:
                    // The simulated store gives no hints: news is found by polling.
                    break
                }
            }
            actions = reply.map { engine.handle($0, now: clock) } ?? []
        }
    }

    /// Starts the driver of a claimed run, as a driver task of ``Engine`` does.
    mutating func start(_ lease: Lease, checkCancel: Bool) async throws {
        let run = lease.run
        let loaded = try await JournaledRun<SandboxJob>.load(lease, from: journal)
        for intent in loaded.pendingAtLoad {
            committed.insert("\(run.number)/\(intent.id.seq)")
        }
        log("take \(run.id) epoch=\(lease.epoch) state=\(loaded.state.name) pending=\(loaded.pendingAtLoad.count)")
        var driver = Driver(loaded, leaseTTL: Self.leaseTTL, host: Self.host, checkCancel: checkCancel)
        let actions = driver.start(now: clock)
        driving[run.number] = Driving(driver: driver)
        try await performDriver(run.number, actions)
    }

    /// Feeds a driver an input and performs what it decides.
    mutating func feed(_ number: Int64, _ input: Driver.Input) async throws {
        guard var run = driving[number] else { return }
        let actions = run.driver.handle(input, now: clock)
        driving[number] = run
        try await performDriver(number, actions)
    }

    /// Performs a driver's actions, feeding each reply back at once, as ``RunDriver`` does.
    mutating func performDriver(_ number: Int64, _ first: [Driver.Action]) async throws {
        var actions = first
        while !actions.isEmpty, var run = driving[number] {
            let ref = run.driver.lease.run
            var reply: Driver.Input?
            var finished: DriveResult?
            for action in actions {
                switch action {
                case .keepAlive, .report:
                    break
                case .reconcile(let intents):
                    var world = self.world
                    reply = .reconciled(intents.map { Self.reconcile($0, key: key($0.id, ref), world: &world, clock: clock) })
                    self.world = world
                case .append(let request):
                    do {
                        let receipt = try await journal.append(request)
                        committed.insert("\(number)/\(request.runSeq)")
                        log("append \(request.stateName)")
                        if roll(3) {
                            log("CRASH after an append, before its intents fire")
                            throw Crash()
                        }
                        reply = .appended(receipt)
                    } catch let error as JournalError where error.code == .staleEpoch || error.code == .runFinished {
                        reply = .leaseLost
                    }
                case .dispatch(let intents), .redispatch(let intents):
                    for intent in intents {
                        precondition(committed.contains("\(number)/\(intent.id.seq)"), "effect \(key(intent.id, ref)) fired before its intent committed")
                    }
                    run.inFlight += intents
                case .armTimer(let at):
                    run.timers.insert(at)
                case .readOperatorRequest:
                    reply = .operatorRequest(try journal.operatorRequest(runNo: number))
                case .awaitCancelSignal:
                    if signalled.remove(number) != nil {
                        reply = .cancelSignalled
                    } else {
                        run.awaitsCancel = true
                    }
                case .clearOperatorRequest:
                    try await journal.clearOperatorRequest(runNo: number)
                case .release(let lease):
                    try await journal.releaseLease(lease)
                case .finish(let result):
                    finished = result
                }
            }
            if let finished {
                log("driver of \(ref.id) returned: \(finished)")
                driving[number] = nil
                inbox.append(.drove(ref, finished))
                return
            }
            if case .cancelSignalled? = reply { run.awaitsCancel = false }
            actions = reply.map { run.driver.handle($0, now: clock) } ?? []
            driving[number] = run
        }
    }

    /// One in-flight effect of run `number` completes (or its worker dies doing it).
    mutating func performEffect(of number: Int64) async throws {
        guard var run = driving[number] else { return }
        let intent = run.inFlight.remove(at: pick(run.inFlight.count))
        driving[number] = run
        let ref = run.driver.lease.run
        guard let outcome = perform(intent, key: key(intent.id, ref), policy: intent.policy) else {
            log("CRASH mid-command (its outcome is lost)")
            throw Crash()
        }
        log("perform \(intent.effect.kind) -> \(outcome.name)")
        if roll(3) {
            log("CRASH after an effect, before its outcome is journaled")
            throw Crash()
        }
        try await feed(number, .outcome(outcome))
    }

    /// An operator decides about a parked run.
    /// An operator decides about a parked run, as `worker resolve` does: the request waits in
    /// the store until a driver journals it.
    mutating func resolve(_ summary: RunSummary) async throws {
        let resolution = Resolution.allCases[pick(3)]
        log("operator \(resolution.rawValue) \(summary.run.id)")
        do {
            _ = try await journal.requestResolution(run: summary.run.id.value, resolution: resolution, note: "sim", at: clock, whileIn: "needsAttention")
        } catch {
            // A cancel request decides it, or it moved on.
            guard error.code == .notParked || error.code == .runFinished else { throw error }
        }
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
