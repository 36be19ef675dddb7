import Effects
import Journal
import RunStateMachine

/// Keeps status sinks in step with the journal while runs are under way: every tick it reads
/// the unfinished runs and sends each one whose latest record it has not delivered yet, as an
/// absolute, sequence-guarded update. A sink that was down receives the latest state when it
/// is back (older updates it missed do not matter: each says everything), so the remote state
/// converges to the journal.
///
/// Runs that are reporting their outcome, or finished, are left to the run's own `reportStatus`
/// effect, whose update carries a later sequence number than anything sent from here.
public final class StatusPublisher: Sendable {
    private let journal: any JournalStore
    private let sinks: [any StatusSink]
    private let intervalMilliseconds: Int

    /// A publisher of `journal`'s runs to `sinks`, looking every `intervalMilliseconds`.
    public init(journal: any JournalStore, sinks: [any StatusSink], intervalMilliseconds: Int = 500) {
        self.journal = journal
        self.sinks = sinks
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// Whether a run in state `name` is published from here.
    static func publishes(_ name: String) -> Bool {
        !["reporting", "succeeded", "failed", "cancelled"].contains(name)
    }

    /// Publishes until cancelled.
    public func run() async {
        guard !sinks.isEmpty else { return }
        var delivered: [String: Int] = [:]
        var failures = 0
        while !Task.isCancelled {
            var failed = false
            let active = (try? await journal.runs(.unfinished, limit: 10_000)) ?? []
            // Forget runs that finished: a worker that lives long drives many.
            let ids = Set(active.map(\.run.id.value))
            delivered = delivered.filter { ids.contains($0.key) }
            for run in active where Self.publishes(run.stateName) {
                let id = run.run.id.value
                guard delivered[id] != run.lastRunSeq else { continue }
                let update = StatusUpdate(
                    runID: id,
                    seq: run.lastRunSeq,
                    status: StatusUpdate.status(ofState: run.stateName),
                    state: run.stateName,
                    detail: "",
                    at: run.updatedAt
                )
                do {
                    for sink in sinks {
                        try await sink.deliver(update)
                    }
                    delivered[id] = run.lastRunSeq
                } catch {
                    failed = true
                }
            }
            failures = failed ? min(failures + 1, 6) : 0
            // A sink that fails is asked less often, up to every 32 intervals.
            try? await Task.sleep(for: .milliseconds(intervalMilliseconds << failures))
        }
    }
}
