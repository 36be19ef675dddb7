import RunStateMachine

/// The projection check of `verify`, the same for every store: each `runs` and `run_heads` row
/// against its run's replayed journal.
package enum ProjectionCheck {
    /// The problems of the projection whose joined rows are `rows`, whose rows without a partner
    /// in the other table are `unmatched` (run number, table), against `replays`.
    package static func problems(rows: [RunSummary], unmatched: [(Int64, String)], replays: [Int64: RunReplay]) -> [VerifyProblem] {
        var problems: [VerifyProblem] = []
        for (number, table) in unmatched {
            problems.append(
                VerifyProblem(code: .projectionMismatch, seq: nil, run: replays[number]?.runID, message: "run \(number) has a \(table) row but no matching row in the other table")
            )
        }
        var seen: Set<Int64> = []
        for row in rows {
            seen.insert(row.run.number)
            guard let replay = replays[row.run.number] else {
                problems.append(VerifyProblem(code: .projectionMismatch, seq: nil, run: row.run.id, message: "the runs table lists it but the journal has no records of it"))
                continue
            }
            guard replay.divergence == nil else { continue }
            let fields: [(String, String, String)] = [
                ("run id", row.run.id.value, replay.runID?.value ?? "-"),
                ("machine", row.machine, replay.machine ?? "-"),
                ("machine version", row.machineVersion, replay.version ?? "-"),
                ("name", row.name ?? "-", replay.name ?? "-"),
                ("idempotency key", row.idempotencyKey ?? "-", replay.idempotencyKey ?? "-"),
                ("input hash", row.inputHash, replay.inputHash ?? "-"),
                ("state", row.stateName, replay.stateName ?? "-"),
                ("terminal", "\(row.terminal)", "\(replay.terminal)"),
                ("last run record", "\(row.lastRunSeq)", "\(replay.lastRunSeq)"),
                ("last record", "\(row.lastSeq)", "\(replay.lastSeq)"),
                ("lease epoch", "\(row.leaseEpoch)", "\(replay.leaseEpoch)"),
                ("created", "\(row.createdAt)", replay.createdAt.map { "\($0)" } ?? "-"),
                ("updated", "\(row.updatedAt)", replay.updatedAt.map { "\($0)" } ?? "-"),
            ]
            for (field, projected, journaled) in fields where projected != journaled {
                problems.append(
                    VerifyProblem(
                        code: .projectionMismatch,
                        seq: nil,
                        run: row.run.id,
                        message: "the runs table says \(field) is '\(projected)' but the journal says '\(journaled)'"
                    )
                )
            }
        }
        for (number, replay) in replays.sorted(by: { $0.key < $1.key }) where !seen.contains(number) {
            problems.append(VerifyProblem(code: .projectionMismatch, seq: nil, run: replay.runID, message: "the journal has records of it but the runs table has no row"))
        }
        return problems
    }
}
