/// What an ``Engine`` did before it returned.
public struct EngineSummary: Hashable, Sendable {
    /// Runs driven to a terminal state.
    public var finished = 0
    /// Runs left parked for an operator.
    public var parked = 0
    /// Runs lost to another owner.
    public var lost = 0
    /// Runs left to the next worker at shutdown.
    public var stopped = 0
    /// Times a run's driver stopped because the store could not be reached (the run was taken
    /// again).
    public var interrupted = 0
    /// Runs halted by a defect of their machine (they wait like parked runs), with why.
    public var halted: [String] = []
    /// Runs whose journal could not be loaded (they are left alone), with why.
    public var broken: [String] = []
    /// External resources ended by the orphan sweep at start, one line each.
    public var swept: [String] = []

    /// An empty summary.
    public init() {}
}
