import ArgumentParser
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The `worker` command line: submit, drive, cancel, inspect and verify Runlog runs.
@main
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Runlog: a crash-safe job runner with a write-ahead, hash-chained journal.",
        subcommands: [
            SubmitCommand.self, RunCommand.self, CancelCommand.self, ResolveCommand.self, ListCommand.self, StatusCommand.self,
            HistoryCommand.self, ReplayCommand.self, VerifyCommand.self, HeadCommand.self, UpgradeCheckCommand.self, GraphCommand.self, DemoCommand.self,
            BenchCommand.self,
        ]
    )

    /// Logs go to standard error (standard output carries the commands' results, JSON among
    /// them), at the level `RUNLOG_LOG_LEVEL` names (`trace` … `critical`; `notice` unset):
    /// the engine's takeovers and parked runs are `info`, the journal head witness of
    /// `worker run` (once a minute) `notice`, lost leases `warning`, machine defects, executor
    /// failures and runs left alone `error`.
    static func main() async {
        let level = getenv("RUNLOG_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        await main(nil)
    }
}
