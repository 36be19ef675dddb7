import RunStateMachine

/// A machine's fold behind closures made where the machine is known.
///
/// Through `any RunFolding`, a `RunFold<Machine>` would run its generic code unspecialized (the
/// conformance's witnesses are generic over the machine): replay spent its time looking up
/// generic metadata. The closures are built inside ``MachineRegistry/registering(_:)``, which
/// the compiler specializes for each machine registered, so they call the specialized fold.
final class ErasedFold: RunFolding {
    private let feedRecord: (JournalRecord) throws(ReplayDivergence) -> Void
    private let currentReplay: () -> RunReplay

    init(feed: @escaping (JournalRecord) throws(ReplayDivergence) -> Void, replay: @escaping () -> RunReplay) {
        feedRecord = feed
        currentReplay = replay
    }

    func feed(_ record: JournalRecord) throws(ReplayDivergence) {
        try feedRecord(record)
    }

    var replay: RunReplay { currentReplay() }
}
