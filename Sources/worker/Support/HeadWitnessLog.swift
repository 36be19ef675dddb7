import Journal
import Logging

/// Publishes the journal's head as a witness outside the database: a log line at level notice,
/// `witness=SEQ:HASH`, once a minute when the head moved, and once more when the worker stops.
/// Shipped with the worker's other logs to where the database's owner cannot rewrite them, the
/// lines let `worker verify --witness-file` show later that the journal was not rewritten.
struct HeadWitnessLog: Sendable {
    /// The journal whose head is published.
    let journal: any JournalStore
    /// Where the lines go.
    var logger = Logger(label: "runlog.witness")
    /// How often the head is read, in seconds.
    var intervalSeconds: UInt64 = 60

    /// Publishes until the task is cancelled. A head that cannot be read is skipped (the engine
    /// reports an unreachable journal itself).
    func run() async {
        var last: ChainWitness?
        while !Task.isCancelled {
            last = await publish(after: last)
            try? await Task.sleep(nanoseconds: intervalSeconds * 1_000_000_000)
        }
    }

    /// Logs the head if it moved since `last`; returns the head now known.
    @discardableResult
    func publish(after last: ChainWitness? = nil) async -> ChainWitness? {
        guard let witness = try? await journal.witness() else { return last }
        if witness != last {
            logger.notice("journal head", metadata: ["witness": "\(witness)"])
        }
        return witness
    }
}
