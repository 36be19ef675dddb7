import Journal
import RunStateMachine
@testable import Runtime
import Testing
import TestSupport

/// The effects of ``RevisedSandboxJob`` (those of the sandbox job), performed by a sandbox-job
/// executor.
struct RevisedExecutor<Base: EffectExecutor>: EffectExecutor where Base.Machine == SandboxJob {
    typealias Machine = RevisedSandboxJob
    let base: Base

    static func context(_ context: EffectContext<RevisedSandboxJob>) -> EffectContext<SandboxJob> {
        EffectContext(run: context.run, machine: context.machine.job, epoch: context.epoch, key: context.key, journal: context.journal)
    }

    func perform(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<RevisedSandboxJob>) async throws -> RevisedSandboxJob.Event {
        .job(try await base.perform(intent, context: Self.context(context)))
    }

    func reconcile(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<RevisedSandboxJob>) async -> ReconcileFinding<RevisedSandboxJob.Event> {
        switch await base.reconcile(intent, context: Self.context(context)) {
        case .happened(let event): .happened(.job(event))
        case .notHappened: .notHappened
        case .unknown(let reason): .unknown(reason: reason)
        }
    }

    func released(_ run: RunRef) async {
        await base.released(run)
    }
}

@Suite("Runtime: runs of two revisions driven by one engine")
struct RevisionDrivingTests {
    @Test("one engine drives runs of revision 1 and 2 to the end, each by its own revision")
    func drivesEachByItsRevision() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        // The step fails once; revision 1 retries after its 300 ms backoff, revision 2 at once.
        let spec = JobSpec(kind: .shell, steps: [StepSpec(name: "flaky", run: "x", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 2, backoffMilliseconds: 300))])
        let clock = TestClock()
        let old = try await journal.submit(SandboxJob.self, input: spec, label: "r1", idempotencyKey: nil, at: clock.now())
        let new = try await journal.submit(RevisedSandboxJob.self, input: spec, label: "r2", idempotencyKey: nil, at: clock.now())
        let world = World()
        await world.failCommands(2)
        let engine = Engine(
            journal: journal,
            executor: RevisedExecutor(base: WorldExecutor(world: world, clock: clock)),
            clock: clock,
            options: EngineOptions(owner: "test", concurrency: 4, leaseMilliseconds: 5000, pollMilliseconds: 10, untilIdle: true)
        )
        let summary = try await clock.advancing { try await engine.run() }
        #expect(summary.finished == 2)
        #expect(summary.broken == [])
        for run in [old.run, new.run] {
            #expect(try journal.run(matching: run.id.value).stateName == "succeeded")
        }
        #expect(await world.starts.values.sorted() == [1, 1, 1, 1])

        // Each run's retry wait, as journaled: the backoff for revision 1, none for revision 2.
        func retryWait(_ run: RunRef) throws -> (failedAt: Timestamp, notBefore: Timestamp)? {
            let records = try journal.records(of: run)
            for record in records {
                guard case .retryWait(_, let notBefore)? = try? record.stateJSON().map(SandboxJobState.init(json:)),
                    case .stepFinished(_, _, let at)? = try record.decodedEvent(as: SandboxJobEvent.self)
                else { continue }
                return (at, notBefore)
            }
            return nil
        }
        let first = try #require(try retryWait(old.run))
        let second = try #require(try retryWait(new.run))
        #expect(first.notBefore == first.failedAt.adding(milliseconds: 300))
        #expect(second.notBefore == second.failedAt)
        let replays = try journal.replayAll(registry: MachineRegistry().registering(RevisedSandboxJob.self))
        #expect(replays[old.run.number]?.revision == 1)
        #expect(replays[new.run.number]?.revision == 2)
        #expect(replays.values.allSatisfy { $0.divergence == nil })
    }
}
