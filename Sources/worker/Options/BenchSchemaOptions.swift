import ArgumentParser
import JournalPostgres

/// Where a worker process started by a benchmark (``BenchChild``) finds its runs: a scratch
/// schema of a PostgreSQL database.
struct BenchSchemaOptions: ParsableArguments {
    @Option(help: "The database's URL, without its password (PGPASSWORD carries it).")
    var db: String

    @Option(help: "The scratch schema holding the runs.")
    var schema: String

    /// The schema's location.
    func location() throws -> PostgresLocation {
        try PostgresLocation(url: db).inSchema(schema)
    }
}
