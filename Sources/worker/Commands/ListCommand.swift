import ArgumentParser
import Journal
import RunStateMachine

/// `worker list`: the runs and their states.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List runs, oldest first."
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Only runs in this state (a state name such as running, or 'active' for every unfinished run).")
    var state: String?

    @Option(help: "At most this many runs.")
    var limit: Int = 1000

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try options.journal(.reader)
            defer { journal.close() }
            let runs = try await journal.runs(RunFilter(parsing: state), limit: limit)
            if options.json {
                Console.printJSON(.array(runs.map(\.json)))
                return
            }
            guard !runs.isEmpty else {
                print(state.map { "no runs in state '\($0)'" } ?? "no runs yet; 'worker submit SPEC.json' adds one")
                return
            }
            Table.print(
                ["RUN", "STATE", "NAME", "UPDATED", "RECORDS"],
                runs.map { [$0.run.id.value, $0.stateName, $0.name ?? "-", "\($0.updatedAt)", "\($0.lastRunSeq)"] }
            )
        }
    }
}

extension RunSummary {
    /// The summary as JSON.
    var json: JSONValue {
        var object: JSONObject = [
            "run": .string(run.id.value),
            "machine": .string(machine),
            "machineVersion": .string(machineVersion),
            "state": .string(stateName),
            "terminal": .bool(terminal),
            "records": .int(Int64(lastRunSeq)),
            "lastSeq": .int(lastSeq),
            "leaseEpoch": .int(leaseEpoch),
            "createdAt": .string("\(createdAt)"),
            "updatedAt": .string("\(updatedAt)"),
            "inputHash": .string(inputHash),
        ]
        if let name { object["name"] = .string(name) }
        if let idempotencyKey { object["idempotencyKey"] = .string(idempotencyKey) }
        if let leaseOwner { object["leaseOwner"] = .string(leaseOwner) }
        if let leaseExpiresAt { object["leaseExpiresAt"] = .string("\(leaseExpiresAt)") }
        return .object(object)
    }
}
