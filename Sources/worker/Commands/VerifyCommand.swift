import ArgumentParser
import Effects
import Journal
import RunStateMachine
import SystemSupport

/// `worker verify`: the whole journal's chain, head, replays and projection.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the journal; exits 1 naming the first bad record.",
        discussion: """
            Checks every record's hash and link (changes, deletions, reordering), the head file \
            (records lost at the end), every run replayed through its machine, and the runs \
            table against the journal. Witnesses of the head kept outside the database \
            (`worker head` prints one, `worker run` logs one a minute) show that the journal was \
            not rewritten wholesale: it must still hold each witnessed hash at its record.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("witness"), help: "A head seen before, SEQ:HASH, as `worker head` prints it; repeatable.")
    var witnesses: [String] = []

    @Option(help: "A file of witnesses: every SEQ:HASH (or witness=SEQ:HASH, as in `worker run`'s log) in it.")
    var witnessFile: String?

    /// The most a witness file may hold: a year of a worker's log lines a minute.
    static let witnessFileLimit = 64 << 20

    func validate() throws {
        for text in witnesses where ChainWitness(text) == nil {
            throw ValidationError("--witness \(text) is not SEQ:HASH (a record number, a colon and 64 hex digits, as `worker head` prints)")
        }
    }

    /// The witnesses given on the command line and in the witness file.
    private func allWitnesses() throws -> [ChainWitness] {
        var all = witnesses.compactMap { ChainWitness($0) }
        if let witnessFile {
            guard let bytes = FileIO.read(witnessFile, limit: Self.witnessFileLimit + 1) else {
                throw ConfigurationError(setting: "--witness-file", problem: "\(witnessFile) cannot be read", fix: "give the path of a readable file")
            }
            guard bytes.count <= Self.witnessFileLimit else {
                throw ConfigurationError(setting: "--witness-file", problem: "\(witnessFile) is over 64 MiB", fix: "keep the witnesses only (grep 'witness=' from the log)")
            }
            let found = ChainWitness.all(in: String(decoding: bytes, as: UTF8.self))
            guard !found.isEmpty else {
                throw ConfigurationError(setting: "--witness-file", problem: "\(witnessFile) holds no SEQ:HASH witness", fix: "give a file of `worker head` outputs or of `worker run` log lines")
            }
            all += found
        }
        return all
    }

    func run() async throws {
        try await Console.run(json: options.json) {
            let witnesses = try allWitnesses()
            let journal = try await options.journal(.reader)
            defer { journal.close() }
            var report = try await journal.verify(registry: .standard, maxProblems: 50)
            report.problems += try await journal.check(witnesses)
            if options.json {
                Console.printJSON([
                    "ok": .bool(report.ok),
                    "records": .int(Int64(report.records)),
                    "runs": .int(Int64(report.runs)),
                    "lastSeq": .int(report.lastSeq),
                    "witnesses": .int(Int64(Set(witnesses).count)),
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
                    let witnessed = witnesses.isEmpty ? "" : "; \(Set(witnesses).count) witness(es) agree"
                    print("ok: \(report.records) records in \(report.runs) runs; chain, head, replay and projection all agree\(witnessed)")
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
