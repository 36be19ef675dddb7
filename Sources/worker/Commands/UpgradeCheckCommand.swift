import ArgumentParser
import Journal
import RunStateMachine

/// `worker upgrade-check`: the pre-deploy gate. With the build about to be deployed, reads the
/// journal and says whether that build can replay every run and continue every unfinished one.
struct UpgradeCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade-check",
        abstract: "Check that this build can take over the journal; exits 1 naming the runs it cannot.",
        discussion: """
            Run it with the build about to be deployed, before the deploy: it opens the journal \
            read-only (a database of an earlier schema as it is; a worker of this build migrates \
            it in place when it starts), replays every run through the machine revision it was \
            recorded with, and reports per revision how many runs are finished and unfinished. \
            It exits 0 when this build can replay every run and continue every unfinished one, 1 \
            naming each run it cannot (created by a newer Runlog, or not replaying) or when this \
            build's own machines are not as released, and refuses a database of a newer schema.
            """
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.reader)
            defer { journal.close() }
            let report = try await journal.upgradeCheck(registry: .standard)
            if options.json {
                Console.printJSON(Self.json(report))
            } else {
                Self.print(report, path: options.path)
            }
            if !report.ok {
                throw ExitCode(Console.verificationFailed)
            }
        }
    }

    static func json(_ report: UpgradeReport) -> JSONValue {
        [
            "ok": .bool(report.ok),
            "schema": .int(Int64(report.schema)),
            "buildSchema": .int(Int64(report.buildSchema)),
            "runs": .int(Int64(report.runs)),
            "records": .int(Int64(report.records)),
            "buildRevisions": .array(MachineRegistry.standard.known.map(JSONValue.string)),
            "revisions": .array(
                report.revisions.map { count in
                    var object: JSONObject = [
                        "machine": .string(count.machine),
                        "version": .string(count.version),
                        "finished": .int(Int64(count.finished)),
                        "unfinished": .int(Int64(count.unfinished)),
                        "blocked": .int(Int64(count.blocked)),
                    ]
                    object["revision"] = count.revision.map { .int(Int64($0)) } ?? .null
                    return .object(object)
                }
            ),
            "blocked": .array(
                report.blocked.map { blocked in
                    var object: JSONObject = [
                        "runNo": .int(blocked.runNo),
                        "reason": .string(blocked.reason.rawValue),
                        "finished": .bool(blocked.finished),
                        "message": .string(blocked.message),
                    ]
                    if let run = blocked.run { object["run"] = .string(run.value) }
                    if let seq = blocked.seq { object["seq"] = .int(seq) }
                    return .object(object)
                }
            ),
            "buildProblems": .array(report.buildProblems.map { .string($0.description) }),
        ]
    }

    static func print(_ report: UpgradeReport, path: String) {
        let migration = report.schema < report.buildSchema
            ? " (a worker of this build migrates it to schema \(report.buildSchema) in place when it starts)"
            : ""
        Swift.print("journal \(path): schema \(report.schema)\(migration), \(report.records) records in \(report.runs) runs")
        Swift.print("this build: \(MachineRegistry.standard.known.joined(separator: ", ")); new runs get the newest")
        if !report.revisions.isEmpty {
            Table.print(
                ["REVISION", "VERSION", "FINISHED", "UNFINISHED", "THIS BUILD"],
                report.revisions.map { count in
                    [
                        count.revision.map { "\(count.machine) r\($0)" } ?? "\(count.machine) (unknown)",
                        String(count.version.prefix(12)),
                        "\(count.finished)",
                        "\(count.unfinished)",
                        count.blocked == 0 ? "replays and continues" : "cannot replay \(count.blocked) run(s)",
                    ]
                }
            )
        }
        for problem in report.buildProblems {
            Swift.print("problem: this build: \(problem)")
        }
        if report.ok {
            Swift.print("ok: this build can replay every run and continue every unfinished one")
            return
        }
        if !report.blocked.isEmpty {
            Swift.print("FAILED: this build cannot take over \(report.blocked.count) run(s):")
        } else {
            Swift.print("FAILED: this build's machines are not as released; do not deploy it")
        }
        for blocked in report.blocked {
            let state = blocked.finished ? "finished" : "unfinished"
            Swift.print("  \(blocked.run?.value ?? "run \(blocked.runNo)") (\(state), \(blocked.reason.rawValue)): \(blocked.message)")
        }
    }
}
