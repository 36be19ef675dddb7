import ArgumentParser
import Journal
import RunStateMachine

/// `worker verify`: the whole journal's chain, head, replays and projection.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the journal; exits 1 naming the first bad record.",
        discussion: """
            Checks every record's hash and link (changes, deletions, reordering), the head file \
            (records lost at the end), every run replayed through its machine, and the runs \
            table against the journal.
            """
    )

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.reader)
            defer { journal.close() }
            let report = try await journal.verify(registry: .standard, maxProblems: 50)
            if options.json {
                Console.printJSON([
                    "ok": .bool(report.ok),
                    "records": .int(Int64(report.records)),
                    "runs": .int(Int64(report.runs)),
                    "lastSeq": .int(report.lastSeq),
                    "problems": .array(
                        report.problems.map { problem in
                            var object: JSONObject = ["code": .string(problem.code.rawValue), "message": .string(problem.message)]
                            if let seq = problem.seq { object["seq"] = .int(seq) }
                            if let run = problem.run { object["run"] = .string(run.value) }
                            return .object(object)
                        }
                    ),
                    "warnings": .array(report.warnings.map(JSONValue.string)),
                ])
            } else {
                for warning in report.warnings {
                    Console.error("warning: \(warning)")
                }
                if report.ok {
                    print("ok: \(report.records) records in \(report.runs) runs; chain, head, replay and projection all agree")
                } else {
                    print("FAILED: \(report.problems.count) problem(s) in \(report.records) records; the first:")
                    for problem in report.problems {
                        print("  \(problem.code.rawValue): \(problem)")
                    }
                }
            }
            if !report.ok {
                throw ExitCode(Console.verificationFailed)
            }
        }
    }
}
