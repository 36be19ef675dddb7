/// The fold of a run whose machine this worker cannot replay, or whose journal has already
/// diverged: it keeps the divergence and ignores the rest.
final class DivergedFold: RunFolding {
    private(set) var replay: RunReplay

    init(_ replay: RunReplay) {
        self.replay = replay
    }

    func feed(_ record: JournalRecord) throws(ReplayDivergence) {}
}
