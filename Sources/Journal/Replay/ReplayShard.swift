/// One shard of a parallel replay: the folds of the runs whose number falls into it, fed in
/// journal order by the one thread that reads the shard's records.
///
/// - Important: `@unchecked Sendable` because one thread at a time uses it: the thread that
///   replays the shard, then, after that thread has finished, the one that collects the folds.
package final class ReplayShard: @unchecked Sendable {
    /// A record to fold, or the position of one that could not be read.
    package enum Item: Sendable {
        case record(JournalRecord)
        case malformed(runNo: Int64, seq: Int64, runSeq: Int)
    }

    private let registry: MachineRegistry
    private(set) var folds: [Int64: any RunFolding] = [:]

    package init(registry: MachineRegistry) {
        self.registry = registry
    }

    /// Each run's replay so far, by run number.
    package var replays: [Int64: RunReplay] {
        folds.mapValues(\.replay)
    }

    /// Folds the next record of one of the shard's runs.
    package func consume(_ item: Item) {
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
