import Journal
import RunStateMachine

/// What an executor knows about the effect it performs.
public struct EffectContext<Machine: StateMachine>: Sendable {
    /// The run.
    public let run: RunRef
    /// The run's machine, configured with its input (the job spec).
    public let machine: Machine
    /// The lease epoch the run is driven under (tag external resources with it).
    public let epoch: Int64
    /// The effect's idempotency key: `<run>/<seq>/<index>`, the same on every re-fire.
    public let key: String
    /// The journal, for executors that need the run's history (an agent's conversation).
    public let journal: any JournalStore

    /// Creates a context.
    public init(run: RunRef, machine: Machine, epoch: Int64, key: String, journal: any JournalStore) {
        self.run = run
        self.machine = machine
        self.epoch = epoch
        self.key = key
        self.journal = journal
    }

    /// The effect key of `intent` in `run`.
    public static func key(of intent: IntentID, in run: RunRef) -> String {
        "\(run.id)/\(intent)"
    }
}
