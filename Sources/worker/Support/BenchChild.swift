import JournalPostgres
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// A worker process a benchmark starts on a scratch schema of a PostgreSQL database: `worker
/// bench SUBCOMMAND --db URL --schema SCHEMA …` (``BenchSchemaOptions``), the password by
/// `PGPASSWORD` (never in its arguments), its output in a log of its own.
struct BenchChild {
    let process: ChildProcess
    let log: String

    /// Starts `worker bench subcommand` on `schema` of `location`'s database with `arguments`
    /// after the schema's, its output in `log`.
    static func start(_ subcommand: String, location: PostgresLocation, schema: String, arguments: [String], log: String) throws -> BenchChild {
        let command = [ChildProcess.currentExecutable(), "bench", subcommand, "--db", location.urlWithoutPassword, "--schema", schema] + arguments
        let process = try ChildProcess.start(command, environment: location.password.map { ["PGPASSWORD": $0] } ?? [:], log: log)
        return BenchChild(process: process, log: log)
    }

    /// The end of what it printed, for an error message.
    var said: String {
        FileIO.readText(log).map { String($0.suffix(600)) } ?? ""
    }

    /// Whether it has exited (it is reaped if so).
    func hasExited() -> Bool {
        var status: Int32 = 0
        return waitpid(process.pid, &status, WNOHANG) == process.pid
    }
}
