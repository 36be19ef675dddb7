import Dispatch

/// One shard of a parallel replay: the folds of the runs whose number falls into it, fed in
/// journal order on its own serial queue.
///
/// - Important: `@unchecked Sendable` because its state is only touched on `queue` (the reader
///   hands it chunks with `queue.async`) and read after `queue.sync` has drained it.
final class ReplayShard: @unchecked Sendable {
    /// A record to fold, or the position of one that could not be read.
    enum Item: Sendable {
        case record(JournalRecord)
        case malformed(runNo: Int64, seq: Int64, runSeq: Int)
    }

    let queue: DispatchQueue
    private let registry: MachineRegistry
    private(set) var folds: [Int64: any RunFolding] = [:]

    init(index: Int, registry: MachineRegistry) {
        queue = DispatchQueue(label: "runlog.replay.\(index)")
        self.registry = registry
    }

    /// Folds a chunk of records (on `queue`).
    func consume(_ items: [Item]) {
        for item in items {
            switch item {
            case .malformed(let runNo, let seq, let runSeq):
                var broken = folds[runNo]?.replay ?? RunReplay()
                broken.divergence = ReplayDivergence(seq: seq, runSeq: runSeq, problem: "the record's kind or answers column is malformed")
                folds[runNo] = DivergedFold(broken)
            case .record(let record):
                let fold: any RunFolding
                if let existing = folds[record.runNo] {
                    fold = existing
                } else {
                    fold = registry.fold(startingWith: record, keepSteps: false)
                    folds[record.runNo] = fold
                }
                do throws(ReplayDivergence) {
                    try fold.feed(record)
                } catch {
                    var diverged = fold.replay
                    diverged.divergence = error
                    folds[record.runNo] = DivergedFold(diverged)
                }
            }
        }
    }
}
