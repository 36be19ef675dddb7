import Effects
import Journal
import RunStateMachine
import Runtime
import Synchronization

/// An executor that forwards to another and notes when runs resume: the moment each run's first
/// transition after its load is journaled (the driver reports the run's state once when it loads
/// the run, then after every transition it journals).
struct ResumeProbe<Inner: EffectExecutor>: EffectExecutor {
    typealias Machine = Inner.Machine

    private final class Notes: Sendable {
        struct State {
            var reports: [Int64: Int] = [:]
            var resumed = 0
            var reconciled = 0
            var allResumedAt: ContinuousClock.Instant?
        }
        let state = Mutex(State())
    }

    let inner: Inner
    /// How many runs must resume before ``allResumedAt`` is set.
    let expected: Int
    private let notes = Notes()

    init(_ inner: Inner, expecting expected: Int) {
        self.inner = inner
        self.expected = expected
    }

    /// When the last expected run resumed.
    var allResumedAt: ContinuousClock.Instant? { notes.state.withLock { $0.allResumedAt } }

    /// How many runs resumed.
    var resumed: Int { notes.state.withLock { $0.resumed } }

    /// How many in-flight intents were reconciled.
    var reconciled: Int { notes.state.withLock { $0.reconciled } }

    func perform(_ intent: EffectIntent<Machine.Effect>, context: EffectContext<Machine>) async throws -> Machine.Event {
        try await inner.perform(intent, context: context)
    }

    func reconcile(_ intent: EffectIntent<Machine.Effect>, context: EffectContext<Machine>) async -> ReconcileFinding<Machine.Event> {
        notes.state.withLock { $0.reconciled += 1 }
        return await inner.reconcile(intent, context: context)
    }

    func driving(_ state: Machine.State, run: RunRef, machine: Machine) async {
        let expected = expected
        notes.state.withLock { notes in
            let reports = (notes.reports[run.number] ?? 0) + 1
            notes.reports[run.number] = reports
            if reports == 2 {
                notes.resumed += 1
                if notes.resumed == expected { notes.allResumedAt = .now }
            }
        }
        await inner.driving(state, run: run, machine: machine)
    }

    func released(_ run: RunRef) async {
        await inner.released(run)
    }

    func sweepOrphans(in journal: any JournalStore) async -> [String] {
        await inner.sweepOrphans(in: journal)
    }
}
