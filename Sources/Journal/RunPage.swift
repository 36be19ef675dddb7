/// One page of a listing of runs, newest first.
public struct RunPage: Hashable, Sendable {
    /// The runs, newest first.
    public var runs: [RunSummary]
    /// Whether older runs follow: ask again with the last run of this page as the cursor.
    public var hasMore: Bool

    /// A page.
    public init(runs: [RunSummary], hasMore: Bool) {
        self.runs = runs
        self.hasMore = hasMore
    }
}
