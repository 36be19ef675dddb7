import ArgumentParser
import Journal

/// The arguments of a command about one run: the global options and the run, by id or a unique
/// prefix of one.
struct RunSelection: ParsableArguments {
    @OptionGroup var options: GlobalOptions

    @Argument(help: "The run id (or a unique prefix).")
    var run: String

    /// Opens the journal to read, finds the run and reads its records, then calls `body`;
    /// errors (an unknown run, a damaged journal) are reported as every command reports them.
    func withRecords(_ body: (RunSummary, [JournalRecord]) async throws -> Void) async throws {
        try await withJournal { summary, records, _ in try await body(summary, records) }
    }

    /// As ``withRecords(_:)``, with the journal open for more reads.
    func withJournal(_ body: (RunSummary, [JournalRecord], any JournalStore) async throws -> Void) async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.reader)
            defer { journal.close() }
            let summary = try await journal.run(matching: run)
            try await body(summary, try await journal.records(of: summary.run), journal)
        }
    }
}
