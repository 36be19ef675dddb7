import RunStateMachine

/// What `worker upgrade-check` found: whether this build can replay every run of a journal and
/// continue every unfinished one, by machine revision.
public struct UpgradeReport: Sendable {
    /// The runs of one machine version in the journal.
    public struct RevisionCount: Sendable, Hashable {
        /// The machine's name.
        public var machine: String
        /// The version the runs were recorded with.
        public var version: String
        /// Its revision, if this build has it.
        public var revision: Int?
        /// Runs in a terminal state.
        public var finished = 0
        /// Runs not finished yet.
        public var unfinished = 0
        /// Runs this build cannot replay (divergent, or of a revision it does not have).
        public var blocked = 0
    }

    /// A run this build cannot replay or continue.
    public struct BlockedRun: Sendable, Hashable {
        /// Why.
        public enum Reason: String, Sendable, Hashable {
            /// Created with a revision this build does not have (a newer Runlog created it).
            case unknownRevision
            /// Of a machine this build does not have.
            case unknownMachine
            /// Its records do not replay through its revision (the journal or the build is wrong).
            case divergence
        }

        /// The run's id, if its first record could be read.
        public var run: RunID?
        /// The run's internal number.
        public var runNo: Int64
        /// Whether the run had finished.
        public var finished: Bool
        /// Why it is blocked.
        public var reason: Reason
        /// The first record that does not replay, if any.
        public var seq: Int64?
        /// What is wrong, for people.
        public var message: String
    }

    /// The database's schema version.
    public var schema = 0
    /// The schema version this build writes (a worker of this build migrates the database to it
    /// when it opens it).
    public var buildSchema = 0
    /// Runs in the journal.
    public var runs = 0
    /// Records replayed.
    public var records = 0
    /// The runs per machine version, known revisions first in revision order.
    public var revisions: [RevisionCount] = []
    /// The runs this build cannot replay or continue, in run order.
    public var blocked: [BlockedRun] = []
    /// Defects of this build's own machines (a released revision changed): such a build must
    /// not be deployed whatever the journal holds.
    public var buildProblems: [DefinitionProblem] = []

    /// Creates an empty report.
    public init() {}

    /// Whether this build can take over the journal: it replays every run, can continue every
    /// unfinished one, and its machines are as released.
    public var ok: Bool { blocked.isEmpty && buildProblems.isEmpty }
}
