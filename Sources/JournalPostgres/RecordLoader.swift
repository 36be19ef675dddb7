import Journal
import Logging
import PostgresNIO
import Synchronization

/// Loads runs' records for many callers at once: the read side of group commit. Requests made
/// while the loads in flight run join the next, and one statement reads the records of all
/// their runs. A lone request is sent at once, so a run loaded alone waits no longer than
/// before; ten thousand runs taken over together (a dead worker's) share a few hundred
/// statements instead of sending one each.
///
/// At most `parallel` loads run at once, each on a connection of the readers' pool.
final class RecordLoader: Sendable {
    private struct Request: Sendable {
        let runNo: Int64
        let continuation: CheckedContinuation<Result<[JournalRecord], JournalError>, Never>
    }

    private struct State: ~Copyable {
        var pending: [Request] = []
        var loading = 0
    }

    private let source: ConnectionSource
    private let parallel: Int
    private let maxBatch: Int
    private let state = Mutex(State())

    init(source: ConnectionSource, parallel: Int, maxBatch: Int = 256) {
        self.source = source
        self.parallel = max(1, parallel)
        self.maxBatch = max(1, maxBatch)
    }

    /// Run number `runNo`'s records in order (none for an unknown run); rows of kinds or
    /// answers this build does not write are left out, as ``PostgresJournal/record(_:)`` says.
    func records(ofRun runNo: Int64) async throws(JournalError) -> [JournalRecord] {
        let result = await withCheckedContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.pending.append(Request(runNo: runNo, continuation: continuation))
                guard state.loading < parallel else { return false }
                state.loading += 1
                return true
            }
            if start { Task { await self.drain() } }
        }
        return try result.get()
    }

    private func drain() async {
        while true {
            let batch: [Request] = state.withLock { state in
                let count = min(state.pending.count, maxBatch)
                guard count > 0 else {
                    state.loading -= 1
                    return []
                }
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            guard !batch.isEmpty else { return }
            let loaded: Result<[Int64: [JournalRecord]], JournalError>
            do {
                loaded = .success(try await load(Set(batch.map(\.runNo))))
            } catch {
                loaded = .failure(error)
            }
            for request in batch {
                request.continuation.resume(returning: loaded.map { $0[request.runNo] ?? [] })
            }
        }
    }

    /// Reads the records of `runs`, each run's found by following `run_prev` back from its head
    /// (the journal has no index by run, which keeps appends to one index).
    private func load(_ runs: Set<Int64>) async throws(JournalError) -> [Int64: [JournalRecord]] {
        let logger = source.logger
        return try await source.withConnection { session in
            let rows = try await session.connection.execute(RunsRecordsStatement(runs: Array(runs)), logger: logger)
            var records: [Int64: [JournalRecord]] = [:]
            for try await row in rows {
                if let record = try PostgresJournal.record(PostgresRowReader(row)) {
                    records[record.runNo, default: []].append(record)
                }
            }
            return records
        }
    }
}
