import RunStateMachine

/// Folds a run's records through a machine one at a time; what `verify` keeps per run while it
/// streams the journal in sequence order. A class, so folding a record updates it in place.
protocol RunFolding: AnyObject {
    /// Folds the run's next record.
    func feed(_ record: JournalRecord) throws(ReplayDivergence)
    /// What the fold has established so far.
    var replay: RunReplay { get }
}
