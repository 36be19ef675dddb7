import Foundation
import Journal
import RunStateMachine
@testable import Runtime
import Testing
import TestSupport

@Suite("Runtime engine")
struct EngineTests {
    /// `steps` steps, each tried up to `attempts` times 20 ms apart.
    static func spec(steps: Int = 3, attempts: Int = 1) -> JobSpec {
        TestJobs.shell(steps: steps, attempts: attempts, backoffMilliseconds: 20, name: "engine")
    }

    static func engine(
        _ journal: SQLiteJournal,
        _ world: World,
        clock: TestClock,
        owner: String = "test",
        lease: Int64 = 2000,
        untilIdle: Bool = true,
        exclusive: Bool = false
    ) -> Engine<WorldExecutor> {
        Engine(
            journal: journal,
            executor: WorldExecutor(world: world, clock: clock),
            clock: clock,
            options: EngineOptions(owner: owner, concurrency: 16, leaseMilliseconds: lease, pollMilliseconds: 10, untilIdle: untilIdle, exclusive: exclusive)
        )
    }

    /// A fresh journal holding one run of `steps` steps, a test clock and a fresh world.
    static func oneRun(steps: Int) async throws -> (SQLiteJournal, TestClock, SubmitResult, World) {
        let journal = try TemporaryJournal().journal
        let clock = TestClock()
        return (journal, clock, try await journal.submit(spec(steps: steps), at: clock.now()), World())
    }

    /// Runs `engine` to its end, test time moving by itself.
    static func run(_ engine: Engine<WorldExecutor>, _ clock: TestClock) async throws -> EngineSummary {
        try await clock.advancing { try await engine.run() }
    }

    /// A worker ("first") that drives the journal's runs until `condition` holds, then stops
    /// without another word, as one that died: its leases are left to run out.
    static func workerDies(_ journal: SQLiteJournal, _ world: World, clock: TestClock, lease: Int64, when condition: () async -> Bool) async throws {
        let first = Task { try await run(engine(journal, world, clock: clock, owner: "first", lease: lease, untilIdle: false), clock) }
        try await eventually("the first worker's condition", condition)
        first.cancel()
        _ = try? await first.value
    }

    @Test("every submitted run is driven to success; every sandbox is killed; every step ran once")
    func drivesRuns() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let clock = TestClock()
        for _ in 0..<20 {
            _ = try await journal.submit(Self.spec(), at: clock.now())
        }
        let world = World()
        let summary = try await Self.run(Self.engine(journal, world, clock: clock), clock)
        #expect(summary.finished == 20)
        #expect(try journal.runs().allSatisfy { $0.stateName == "succeeded" })
        #expect(await world.alive.isEmpty)
        #expect(await world.killed.count == 20)
        #expect(await world.starts.values.allSatisfy { $0 == 1 })
        #expect(await world.starts.count == 60)
        #expect(await world.reports.count == 20)
        #expect(try journal.verify().ok)
    }

    @Test("a failed step is retried after its backoff and the run succeeds")
    func retries() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let clock = TestClock()
        let submitted = try await journal.submit(Self.spec(steps: 1, attempts: 2), at: clock.now())
        let world = World()
        await world.failCommands(1)
        _ = try await Self.run(Self.engine(journal, world, clock: clock), clock)
        let records = try journal.records(of: submitted.run)
        let states = try records.compactMap { try $0.stateJSON().flatMap { try SandboxJobState(json: $0).name } }
        #expect(states.contains("retryWait"))
        #expect(states.last == "succeeded")
        #expect(await world.starts.count == 2)
    }

    @Test("a worker that dies before a command starts: the next one finds it never ran and runs it once")
    func recoversNeverStarted() async throws {
        let (journal, clock, submitted, world) = try await Self.oneRun(steps: 2)
        defer { journal.close() }
        await world.hang(kind: "runStep")
        try await Self.workerDies(journal, world, clock: clock, lease: 300) { (try? journal.run(matching: submitted.run.id.value).stateName) == "running" }
        await world.unhang()
        let summary = try await Self.run(Self.engine(journal, world, clock: clock, owner: "second", lease: 300), clock)
        #expect(summary.finished == 1)
        #expect(try journal.run(matching: submitted.run.id.value).stateName == "succeeded")
        #expect(try journal.run(matching: submitted.run.id.value).leaseEpoch == 2)
        #expect(await world.starts.values.allSatisfy { $0 == 1 })
        #expect(await world.alive.isEmpty)
        #expect(try journal.verify().ok)
    }

    @Test("a worker that dies after a command ran: the next one journals the recorded outcome without running it again")
    func recoversFinishedCommand() async throws {
        let (journal, clock, submitted, world) = try await Self.oneRun(steps: 2)
        defer { journal.close() }
        await world.hangAfterCommand(true)
        try await Self.workerDies(journal, world, clock: clock, lease: 300) { await world.starts.count == 1 }
        await world.hangAfterCommand(false)
        _ = try await Self.run(Self.engine(journal, world, clock: clock, owner: "second", lease: 300), clock)
        #expect(try journal.run(matching: submitted.run.id.value).stateName == "succeeded")
        #expect(await world.starts.count == 2)
        #expect(await world.starts.values.allSatisfy { $0 == 1 })
        #expect(await world.alive.isEmpty)
    }

    @Test("an exclusive engine takes over runs a dead worker leased, without waiting for the leases to expire")
    func exclusiveTakeover() async throws {
        let (journal, clock, submitted, world) = try await Self.oneRun(steps: 2)
        defer { journal.close() }
        await world.hang(kind: "runStep")
        try await Self.workerDies(journal, world, clock: clock, lease: 60_000) { (try? journal.run(matching: submitted.run.id.value).stateName) == "running" }
        await world.unhang()
        // A worker that stops lets its leases go; one that crashes leaves them live, as here: the
        // dead worker's lease runs for another minute, and only a worker that knows it is the
        // journal's only owner may take the run now.
        #expect(try journal.runnable(at: clock.now()).map(\.run) == [submitted.run])
        _ = try await journal.acquireLease(run: submitted.run.id, owner: "first", ttlMilliseconds: 60_000, at: clock.now(), takingOver: true)
        #expect(try journal.runnable(at: clock.now()).isEmpty)
        #expect(try journal.runnable(at: clock.now(), ignoringLeases: true).map(\.run) == [submitted.run])
        let deadLeaseEnds = try journal.run(matching: submitted.run.id.value).leaseExpiresAt
        let summary = try await Self.run(Self.engine(journal, world, clock: clock, owner: "second", lease: 60_000, exclusive: true), clock)
        // Finished in test time before the dead worker's lease would have let anyone else in.
        #expect(clock.now() < deadLeaseEnds ?? clock.now())
        #expect(summary.finished == 1)
        let run = try journal.run(matching: submitted.run.id.value)
        #expect(run.stateName == "succeeded")
        #expect(run.leaseEpoch == 3)
        #expect(await world.starts.values.allSatisfy { $0 == 1 })
        #expect(try journal.verify().ok)
    }

    @Test("a run parked for a long retry backoff keeps its sandbox alive; one parked for an operator lets go")
    func parkedKeepsSandbox() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let clock = TestClock()
        // Backoff 60 s, far beyond two lease periods (4 s): the run parks in retryWait.
        let spec = JobSpec(
            kind: .shell,
            name: "backoff",
            steps: [StepSpec(name: "s", run: "true", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 2, backoffMilliseconds: 60_000))]
        )
        let submitted = try await journal.submit(spec, at: clock.now())
        let world = World()
        await world.failCommands(1)
        let summary = try await Self.run(Self.engine(journal, world, clock: clock), clock)
        #expect(summary.parked == 1)
        #expect(try journal.run(matching: submitted.run.id.value).stateName == "retryWait")
        #expect(await world.alive.count == 1)
        #expect(await !world.released.contains(submitted.run.id.value))
    }

    @Test("a non-idempotent step whose outcome was lost parks the run for an operator, sandbox kept")
    func parksLostOutcome() async throws {
        let (journal, clock, submitted, world) = try await Self.oneRun(steps: 2)
        defer { journal.close() }
        await world.loseCommands(1)
        try await Self.workerDies(journal, world, clock: clock, lease: 300) { await world.starts.count == 1 }
        let summary = try await Self.run(Self.engine(journal, world, clock: clock, owner: "second", lease: 300), clock)
        #expect(summary.parked == 1)
        let state = try journal.run(matching: submitted.run.id.value).stateName
        #expect(state == "needsAttention")
        #expect(await world.released.contains(submitted.run.id.value))
        #expect(await world.starts.values.allSatisfy { $0 == 1 })
        #expect(await world.alive.count == 1)
        #expect(try journal.verify().ok)
    }

    @Test("worker resolve: a run parked for an operator is woken by the decision, journals it with the note, and goes on; the step is not run again on skip")
    func resolveParkedRun() async throws {
        let (journal, clock, submitted, world) = try await Self.oneRun(steps: 2)
        defer { journal.close() }
        await world.loseCommands(1)
        try await Self.workerDies(journal, world, clock: clock, lease: 300) { await world.starts.count == 1 }
        _ = try await Self.run(Self.engine(journal, world, clock: clock, owner: "second", lease: 300), clock)
        #expect(try journal.run(matching: submitted.run.id.value).stateName == "needsAttention")
        _ = try await journal.requestResolution(
            run: submitted.run.id.value, resolution: .skip, note: "the ledger shows it ran", at: clock.now(), whileIn: "needsAttention"
        )
        let summary = try await Self.run(Self.engine(journal, world, clock: clock, owner: "third", lease: 300), clock)
        #expect(summary.finished == 1)
        #expect(try journal.run(matching: submitted.run.id.value).stateName == "succeeded")
        let events = try journal.records(of: submitted.run).map { String(decoding: $0.event, as: UTF8.self) }
        #expect(events.contains(#"{"operatorResolved":{"note":"the ledger shows it ran","resolution":"skip"}}"#), "\(events)")
        // The lost step ran once; the second ran once.
        #expect(await world.starts.values.allSatisfy { $0 == 1 })
        #expect(try journal.operatorRequests().isEmpty)
        #expect(try journal.verify().ok)
    }

    @Test("a worker being stopped takes none of the runs its stopping drivers leave, and journals nothing for them")
    func stopTakesNothingAgain() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let clock = TestClock()
        for _ in 0..<50 {
            _ = try await journal.submit(Self.spec(steps: 2), at: clock.now())
        }
        let world = World()
        await world.hang(kind: "runStep")
        // As many runs as the engine drives at once (16) have a step in flight when it stops.
        try await Self.workerDies(journal, world, clock: clock, lease: 2000) {
            (try? journal.runs(.state("running")).count) == 16
        }
        let runs = try journal.runs()
        #expect(runs.filter { $0.leaseEpoch == 1 }.count == 16)
        #expect(runs.allSatisfy { $0.leaseEpoch <= 1 && ["running", "queued"].contains($0.stateName) }, "\(runs.map { "\($0.stateName)@\($0.leaseEpoch)" })")
    }

    @Test("a driver stopped while it reconciles journals nothing of what it found")
    func stopDuringRecovery() async throws {
        let (journal, clock, submitted, world) = try await Self.oneRun(steps: 1)
        defer { journal.close() }
        await world.hangAfterCommand(true)
        try await Self.workerDies(journal, world, clock: clock, lease: 300) { await world.starts.count == 1 }
        let before = try journal.records(of: submitted.run).count
        // The second worker's reconciliation waits for the command, and the worker is stopped.
        await world.waitInReconcile(true)
        try await Self.workerDies(journal, world, clock: clock, lease: 300) {
            (try? journal.run(matching: submitted.run.id.value).leaseEpoch) == 2
        }
        let records = try journal.records(of: submitted.run)
        #expect(records.count == before + 1, "only the second lease: \(records.suffix(3).map { String(decoding: $0.event, as: UTF8.self) })")
        #expect(try journal.run(matching: submitted.run.id.value).stateName == "running")
    }
}
