import ArgumentParser

/// `worker bench ...`: benchmarks that print their figures (JSON with `--json`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Runlog on this machine.",
        subcommands: [JournalBenchCommand.self, RunsBenchCommand.self, RecoveryBenchCommand.self, SandboxBenchCommand.self, ShareBenchCommand.self, RecoveryVictimCommand.self, ShareWorkerCommand.self]
    )
}
