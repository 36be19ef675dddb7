/// Counts of the journal writer's work since it started.
public struct CommitStatistics: Hashable, Sendable {
    /// Transactions committed.
    public var commits = 0
    /// Operations (appends, leases, submits) committed.
    public var operations = 0
    /// The most operations in one commit.
    public var largestBatch = 0
    /// Time the writer spent executing and committing batches.
    public var busy: Duration = .zero

    /// No work yet.
    public init() {}

    /// The work done since `earlier` (the largest batch is this one's).
    public func since(_ earlier: CommitStatistics) -> CommitStatistics {
        var delta = CommitStatistics()
        delta.commits = commits - earlier.commits
        delta.operations = operations - earlier.operations
        delta.largestBatch = largestBatch
        delta.busy = busy - earlier.busy
        return delta
    }
}
