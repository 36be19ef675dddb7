import ArgumentParser

/// The `worker` command line: submit, drive, cancel, inspect and verify Runlog runs.
@main
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Runlog: a crash-safe job runner with a write-ahead, hash-chained journal.",
        subcommands: [
            SubmitCommand.self, RunCommand.self, CancelCommand.self, ListCommand.self, StatusCommand.self,
            HistoryCommand.self, ReplayCommand.self, VerifyCommand.self, UpgradeCheckCommand.self, GraphCommand.self, DemoCommand.self,
            BenchCommand.self,
        ]
    )
}
