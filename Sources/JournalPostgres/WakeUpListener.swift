import Journal
import Logging
import PostgresNIO
import Synchronization

/// Hears of the journal's news through PostgreSQL's LISTEN/NOTIFY and posts it to a
/// ``WakeUps`` signal: every batch that submits a run or requests a cancel notifies the
/// schema's channel (``channelSQL``), delivered when it commits.
///
/// It listens on a connection of its own, started when first asked for, and listens again a
/// second after any failure (the server restarting, a connection pooler that drops LISTEN) for
/// as long as the journal is open. Hints it misses cost a poll interval, nothing more.
final class WakeUpListener: Sendable {
    /// The schema's channel, as SQL: one per journal schema, within PostgreSQL's 63 bytes.
    static let channelSQL = "'runlog_' || left(md5(current_schema()), 16)"

    /// Where hints are posted.
    let wakeUps = WakeUps()
    private let location: PostgresLocation
    private let logger: Logger
    /// The listening task, once started; whether the listener was stopped.
    private let state = Mutex<(task: Task<Void, Never>?, stopped: Bool)>((nil, false))

    init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
    }

    /// Starts listening, once.
    func start() {
        state.withLock { state in
            guard state.task == nil, !state.stopped else { return }
            state.task = Task { [self] in await listen() }
        }
    }

    /// Stops listening and closes the signal.
    func stop() {
        let task = state.withLock { state in
            state.stopped = true
            return state.task
        }
        task?.cancel()
        wakeUps.close()
    }

    private func listen() async {
        let source: ConnectionSource
        do {
            source = try ConnectionSource(location, limit: 1, logger: logger)
        } catch {
            logger.warning("cannot listen for hints of new runs; polling alone finds them: \(error)")
            return
        }
        defer { source.close() }
        while !Task.isCancelled {
            do {
                let wakeUps = wakeUps
                try await source.withConnection { session in
                    let rows = try await session.query(PostgresQuery(unsafeSQL: "SELECT \(Self.channelSQL)"), logger: self.logger)
                    var channel = ""
                    for try await row in rows { channel = try row.decode(String.self) }
                    try await session.connection.listen(on: channel) { notifications in
                        // Anything may have happened while nobody listened.
                        wakeUps.post()
                        for try await _ in notifications { wakeUps.post() }
                    }
                }
            } catch {
                guard !Task.isCancelled else { return }
                logger.debug("listening for hints of new runs failed; trying again in a second: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
