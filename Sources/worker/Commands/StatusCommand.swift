import ArgumentParser
import Journal
import RunStateMachine

/// `worker status RUN`: where a run is, what it waits for, who drives it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's state, pending effects and lease.",
        discussion: "RUN is a run id or a unique prefix of one (at least four characters)."
    )

    @OptionGroup var selection: RunSelection

    private var options: GlobalOptions { selection.options }

    func run() async throws {
        try await selection.withJournal { summary, records, journal in
            let view = try RunView(summary: summary, records: records)
            let request = summary.terminal ? nil : try await journal.operatorRequest(runNo: summary.run.number)
            if options.json {
                var object: JSONObject = ["run": summary.json]
                if let state = view.state { object["stateDetail"] = state.json }
                object["cost"] = view.cost.json(asOf: .now())
                switch request {
                case .cancel(let reason)?: object["request"] = ["cancel": ["reason": .string(reason)]]
                case .resolve(let resolution, let note)?: object["request"] = ["resolve": ["resolution": .string(resolution.rawValue), "note": .string(note)]]
                case nil: break
                }
                object["pending"] = .array(
                    view.pending.map { ["key": .string(view.key($0.id)), "effect": $0.effect.json, "policy": $0.policy.json] }
                )
                Console.printJSON(.object(object))
                return
            }
            var rows: [[String]] = [
                ["run", summary.run.id.value],
                ["name", summary.name ?? "-"],
                ["state", view.state?.description ?? summary.stateName],
                ["machine", MachineRegistry.standard.label(of: summary.machine, version: summary.machineVersion)],
                ["created", "\(summary.createdAt)"],
                ["updated", "\(summary.updatedAt)"],
                ["records", "\(summary.lastRunSeq)"],
            ]
            if let key = summary.idempotencyKey { rows.append(["idempotency key", key]) }
            rows.append(["cost", view.cost.summary(asOf: .now())])
            if let owner = summary.leaseOwner, let expires = summary.leaseExpiresAt {
                // A released lease has expiry 0: its holder let go (the run is parked or was left
                // for the next worker), it does not hold the run until 1970.
                let until = expires.milliseconds <= 0 ? "released" : "until \(expires)"
                rows.append(["lease", "epoch \(summary.leaseEpoch), \(owner), \(until)"])
            } else {
                rows.append(["lease", "none (waiting for a worker)"])
            }
            for intent in view.pending {
                rows.append(["pending", "\(view.key(intent.id)) \(intent.effect) [\(intent.policy.rawValue)]"])
            }
            switch request {
            case .cancel(let reason)?: rows.append(["request", "cancel (\(reason)), for the next worker to journal"])
            case .resolve(let resolution, let note)?:
                rows.append(["request", "\(resolution.rawValue)\(note.isEmpty ? "" : " (\(note))"), for the next worker to journal"])
            case nil: break
            }
            Table.print(["FIELD", "VALUE"], rows)
        }
    }
}
