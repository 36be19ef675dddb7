import CSQLite
import Dispatch
import Failpoints
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The journal's single writer: a dedicated thread that owns the writer connection and commits
/// queued operations in batches.
///
/// Every operation queued while a commit is in progress joins the next batch, so concurrent
/// runs share one `BEGIN IMMEDIATE … COMMIT` and one fsync (group commit); each caller resumes
/// only after its batch has committed. A dedicated thread keeps blocking SQLite calls off the
/// cooperative thread pool.
///
/// An I/O error or corruption stops the writer for good (fail-stop): every later operation fails
/// with the same error, and the process should exit and let recovery run on restart.
final class JournalWriter: Sendable {
    private struct Queue: ~Copyable {
        var pending: [any WriteJob] = []
        var wakeupPending = false
        var closing = false
        var stopped: JournalError?
        var statistics = CommitStatistics()
    }

    private let queue = Mutex(Queue())

    /// What the writer has committed so far.
    var statistics: CommitStatistics { queue.withLock { $0.statistics } }
    private let wakeup = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// The most operations committed in one transaction.
    let maxBatch: Int

    private init(maxBatch: Int) {
        self.maxBatch = maxBatch
    }

    /// Starts the writer thread. `setUp` runs first on that thread and returns the configured
    /// connection and head file; its error is rethrown here.
    static func start(
        maxBatch: Int = 4096,
        setUp: @escaping @Sendable () throws(JournalError) -> (SQLiteConnection, HeadFile?)
    ) throws(JournalError) -> JournalWriter {
        let writer = JournalWriter(maxBatch: maxBatch)
        let ready = DispatchSemaphore(value: 0)
        let setUpError = Mutex<JournalError?>(nil)
        startThread {
            let connection: SQLiteConnection
            let headFile: HeadFile?
            do throws(JournalError) {
                (connection, headFile) = try setUp()
            } catch {
                setUpError.withLock { $0 = error }
                ready.signal()
                writer.finished.signal()
                return
            }
            ready.signal()
            writer.loop(connection: connection, headFile: headFile)
        }
        ready.wait()
        if let error = setUpError.withLock({ $0 }) {
            throw error
        }
        return writer
    }

    /// Queues `body` for the next batch and waits until that batch has committed.
    func perform<Value: Sendable>(
        _ body: @escaping QueuedWrite<Value>.Body
    ) async throws(JournalError) -> Value {
        let result: Result<Value, JournalError> = await withUnsafeContinuation { continuation in
            let job = QueuedWrite(body: body, continuation: continuation)
            let refusal: JournalError? = queue.withLock { state in
                if let stopped = state.stopped { return stopped }
                if state.closing { return JournalError(.closed, "the journal is closed") }
                state.pending.append(job)
                if !state.wakeupPending {
                    state.wakeupPending = true
                    wakeup.signal()
                }
                return nil
            }
            if let refusal {
                job.complete(failure: refusal)
            }
        }
        return try result.get()
    }

    /// Commits what is queued, then stops the thread and closes the connection.
    func close() {
        let alreadyClosing = queue.withLock { state in
            defer { state.closing = true }
            return state.closing
        }
        guard !alreadyClosing else { return }
        wakeup.signal()
        finished.wait()
    }

    private func loop(connection: SQLiteConnection, headFile: HeadFile?) {
        defer {
            headFile?.sync()
            connection.close()
            finished.signal()
        }
        while true {
            wakeup.wait()
            let (batch, closing) = queue.withLock { state in
                state.wakeupPending = false
                let batch = state.pending
                state.pending = []
                return (batch, state.closing)
            }
            var start = 0
            while start < batch.count {
                let end = min(batch.count, start + maxBatch)
                commit(Array(batch[start..<end]), connection: connection, headFile: headFile)
                start = end
            }
            if closing {
                let late = queue.withLock { state in
                    defer { state.pending = [] }
                    return state.pending
                }
                for job in late {
                    job.complete(failure: JournalError(.closed, "the journal is closed"))
                }
                return
            }
        }
    }

    private func commit(_ batch: [any WriteJob], connection: SQLiteConnection, headFile: HeadFile?) {
        if let stopped = queue.withLock({ $0.stopped }) {
            batch.forEach { $0.complete(failure: stopped) }
            return
        }
        let clock = ContinuousClock()
        let started = clock.now
        var context = WriteContext(connection: connection, headSeq: 0, headHash: HashChain.genesis)
        do throws(SQLiteError) {
            try connection.statement("BEGIN IMMEDIATE").run()
            let head = try connection.statement("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
            if try head.step() {
                context.headSeq = head.int64(0)
                context.headHash = head.bytes(1)
            }
            head.reset()
            // A sequence number near the 64-bit limit was not written by this journal (it counts
            // from 1): refuse to append after it instead of overflowing.
            guard context.headSeq < Int64.max - (1 << 32) else {
                throw SQLiteError(
                    code: SQLITE_CORRUPT,
                    message: "the last record's sequence number, \(context.headSeq), is near the 64-bit limit; the journal is damaged: run 'worker verify'"
                )
            }
            for job in batch {
                try job.execute(&context)
            }
            try connection.statement("COMMIT").run()
        } catch {
            if connection.inTransaction {
                try? connection.execute("ROLLBACK")
            }
            let failure = JournalError.storage(error)
            if error.isIOError || error.isCorrupt {
                queue.withLock { $0.stopped = failure }
            }
            batch.forEach { $0.complete(failure: failure) }
            return
        }
        headFile?.advance(seq: context.headSeq, hash: context.headHash)
        Failpoint.hit(.afterCommit)
        let busy = clock.now - started
        queue.withLock { state in
            state.statistics.busy += busy
            state.statistics.commits += 1
            state.statistics.operations += batch.count
            state.statistics.largestBatch = max(state.statistics.largestBatch, batch.count)
        }
        batch.forEach { $0.complete(failure: nil) }
    }
}

/// Runs `body` on a new POSIX thread.
private func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        box.body()
        return nil
    }, context)
    precondition(status == 0, "cannot start the journal writer thread: \(status)")
    pthread_detach(thread)
}
