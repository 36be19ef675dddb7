import ArgumentParser
import Effects
import Journal
import Logging
import RunStateMachine
import Runtime
import ServiceLifecycle
import SystemSupport
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `worker run`: the daemon. Owns the database, recovers what a previous worker left, sweeps
/// orphan sandboxes, then drives runs until stopped (or idle, with `--until-idle`).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive runs: recover unfinished ones, then take new ones as they are submitted.",
        discussion: """
            On start, every unfinished run is recovered (in-flight effects settled by their \
            policies, live sandboxes reattached) and sandboxes whose run is finished or unknown are \
            killed. SIGTERM or SIGINT stop it gracefully: no new runs are taken, the appends in \
            flight finish, sandboxes are left for the next worker, and it exits 0.
            """
    )

    @OptionGroup var options: GlobalOptions
    @OptionGroup var sandbox: SandboxOptions

    @Option(help: "The most runs driven at once.")
    var concurrency = 64

    @Flag(help: "Exit 0 once no run can make progress (every unfinished run waits for an operator or a later time).")
    var untilIdle = false

    @Option(help: "How long a run's lease lasts unless renewed, in seconds; a dead worker's runs are taken over after this.")
    var leaseSeconds = 15

    @Flag(help: "Print no progress, only the summary.")
    var quiet = false

    func validate() throws {
        guard (1...100_000).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 100000") }
        guard (1...86_400).contains(leaseSeconds) else { throw ValidationError("--lease-seconds must be from 1 to 86400 (a day)") }
    }

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.owner, secrets: try sandbox.secrets())
            defer { journal.close() }
            let executor = try sandbox.executor(forDatabase: options.identity)
            let summary = try await Self.drive(
                journal: journal,
                executor: executor,
                options: EngineOptions(
                    owner: Self.ownerName(),
                    concurrency: concurrency,
                    leaseMilliseconds: Int64(leaseSeconds) * 1000,
                    // Workers sharing a journal poll at 250-350 ms, each its own sequence.
                    pollJitterMilliseconds: journal.ownsExclusively ? 0 : 100,
                    untilIdle: untilIdle,
                    // On the embedded store this worker holds the owner lock, so leases left in it
                    // are dead; on a shared store other workers may be alive.
                    exclusive: journal.ownsExclusively
                ),
                progress: quiet || options.json ? nil : ProgressBoard(journal: journal, live: false),
                publisher: StatusPublisher(journal: journal, sinks: executor.performer.sinks),
                witness: HeadWitnessLog(journal: journal)
            )
            // The head the worker leaves behind.
            await HeadWitnessLog(journal: journal).publish()
            if options.json {
                Console.printJSON([
                    "finished": .int(Int64(summary.finished)),
                    "parked": .int(Int64(summary.parked)),
                    "lost": .int(Int64(summary.lost)),
                    "stopped": .int(Int64(summary.stopped)),
                    "interrupted": .int(Int64(summary.interrupted)),
                    "broken": .array(summary.broken.map(JSONValue.string)),
                    "halted": .array(summary.halted.map(JSONValue.string)),
                    "orphansKilled": .int(Int64(summary.swept.count)),
                ])
            } else {
                for line in summary.swept { print("  \(line)") }
                for line in summary.broken { Console.error("  left alone: \(line)") }
                for line in summary.halted { Console.error("  halted by a machine defect: \(line)") }
                let interrupted = summary.interrupted == 0 ? "" : " (runs taken again after the journal was out of reach: \(summary.interrupted))"
                print("worker: \(summary.finished) finished, \(summary.parked) waiting, \(summary.stopped) left for the next worker\(interrupted)")
            }
        }
    }

    /// Runs an engine as a service that stops gracefully on SIGTERM and SIGINT.
    static func drive<Executor: EffectExecutor>(
        journal: any JournalStore,
        executor: Executor,
        options: EngineOptions,
        progress: ProgressBoard?,
        publisher: StatusPublisher? = nil,
        witness: HeadWitnessLog? = nil
    ) async throws -> EngineSummary {
        let engine = Engine(journal: journal, executor: executor, options: options)
        let beside: @Sendable () async -> Void = {
            await withTaskGroup(of: Void.self) { group in
                if let progress { group.addTask { await progress.watch() } }
                if let publisher { group.addTask { await publisher.run() } }
                if let witness { group.addTask { await witness.run() } }
            }
        }
        let service = EngineService(engine: engine, beside: beside)
        var logger = Logger(label: "runlog.worker")
        logger.logLevel = .error
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        return service.summary ?? EngineSummary()
    }

    /// The worker's identity, journaled with each lease and written by its heartbeat:
    /// `host:pid:start`, the start in milliseconds since 1970 (base 36), so a pid the host
    /// reuses later is another worker.
    static func ownerName() -> String {
        "\(HostName.current):\(getpid()):\(String(Timestamp.now().milliseconds, radix: 36))"
    }
}
