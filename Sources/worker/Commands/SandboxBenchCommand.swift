import ArgumentParser
import Benchmarks
import Effects
import RunStateMachine

#if canImport(Glibc)
import Glibc
#endif

/// `worker bench sandbox`: how long a local sandbox takes from creation to the exit of `true`.
struct SandboxBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Measure local sandboxes: create, run `true`, wait for its exit; run it again; kill.",
        discussion: """
            Each sandbox is held by its own supervisor process and, unless --unisolated, runs \
            commands under bubblewrap (install it with: apt-get install -y bubblewrap). Build in \
            release mode: swift run -c release worker bench sandbox --json.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Directory on the file system to measure (default: the directory of --db).")
    var dir: String?

    @Option(help: "Timed sandboxes, one after another.")
    var iterations = 50

    @Flag(help: "Measure sandboxes without bubblewrap (isolation \"none\").")
    var unisolated = false

    func run() async throws {
        let (iterations, isolation) = (iterations, unisolated ? SandboxSpec.Isolation.none : .bubblewrap)
        let result = try await BenchDirectory.with(dir: dir, db: options.path) { directory in
            // Sandboxed commands run as their own users: they must be able to reach the workspace.
            chmod(directory, 0o711)
            let root = "\(directory)/sandboxes"
            defer { rmdir(root) }
            return try await SandboxBenchmark.run(
                options: LocalSandboxOptions(root: root, supervisorPath: LocalSandboxOptions.defaultSupervisorPath(), allowUnisolated: unisolated),
                iterations: iterations,
                isolation: isolation
            )
        }
        if options.json {
            print(result.json.canonicalString)
        } else {
            Table.print(
                ["figure", "value"],
                [
                    ["create → exit of `true`, p50", "\(format(result.createToExitP50Milliseconds, places: 2)) ms"],
                    ["create → exit of `true`, p90", "\(format(result.createToExitP90Milliseconds, places: 2)) ms"],
                    ["create alone, p50", "\(format(result.createP50Milliseconds, places: 2)) ms"],
                    ["`true` again in a live sandbox, p50", "\(format(result.commandP50Milliseconds, places: 2)) ms"],
                    ["kill, p50", "\(format(result.killP50Milliseconds, places: 2)) ms"],
                    ["isolation, sandboxes", "\(result.isolation.rawValue), \(result.iterations)"],
                ]
            )
        }
    }
}
