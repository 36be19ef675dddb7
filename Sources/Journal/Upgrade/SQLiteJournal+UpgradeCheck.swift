import RunStateMachine

extension SQLiteJournal {
    /// Checks whether this build can take over the journal: every run replayed through the
    /// revision it was recorded with (so its history audits and its state is known), every
    /// unfinished run's revision present (so a worker of this build can drive it to its end),
    /// and this build's machines as released. Reads only; a journal of an earlier schema is
    /// read as it is.
    ///
    /// It replays the journal as `verify` does (in parallel, one pass), without the chain and
    /// projection checks, which do not depend on the build.
    ///
    /// - Parameter registry: The machines this build drives.
    public func upgradeCheck(registry: MachineRegistry = .standard) throws(JournalError) -> UpgradeReport {
        let replays = try replayAll(registry: registry)
        return try UpgradeReport.assess(schema: schema, buildSchema: Self.schemaVersion, registry: registry, replays: replays) { () throws(JournalError) in
            try runs(limit: Int.max)
        }
    }
}

extension UpgradeReport {
    /// The report on a store at schema `schema` (this build's is `buildSchema`) whose runs
    /// replayed as `replays`; `heads` reads the `runs` projection, needed only when a run could
    /// not be replayed.
    package static func assess(
        schema: Int,
        buildSchema: Int,
        registry: MachineRegistry,
        replays: [Int64: RunReplay],
        heads readHeads: () throws(JournalError) -> [RunSummary]
    ) throws(JournalError) -> UpgradeReport {
        var report = UpgradeReport()
        report.schema = schema
        report.buildSchema = buildSchema
        report.buildProblems = registry.problems
        report.runs = replays.count
        // Whether a run this build cannot replay has finished comes from the runs table (its
        // replay stopped early); the others' replays say it themselves.
        let heads: [Int64: RunSummary]
        if replays.values.contains(where: { $0.divergence != nil }) {
            heads = Dictionary(try readHeads().map { ($0.run.number, $0) }, uniquingKeysWith: { first, _ in first })
        } else {
            heads = [:]
        }
        var counts: [String: UpgradeReport.RevisionCount] = [:]
        for (runNo, replay) in replays {
            report.records += replay.records
            let head = heads[runNo]
            let machine = replay.machine ?? head?.machine ?? "?"
            let version = replay.version ?? head?.machineVersion ?? "?"
            let key = machine + "@" + version
            var count = counts[key] ?? UpgradeReport.RevisionCount(machine: machine, version: version, revision: replay.revision)
            let finished = replay.divergence == nil ? replay.terminal : head?.terminal ?? false
            if finished {
                count.finished += 1
            } else {
                count.unfinished += 1
            }
            if let blocked = blocker(runNo: runNo, replay: replay, finished: finished, registry: registry) {
                count.blocked += 1
                report.blocked.append(blocked)
            }
            counts[key] = count
        }
        report.blocked.sort { $0.runNo < $1.runNo }
        report.revisions = counts.values.sorted { lhs, rhs in
            (lhs.machine, lhs.revision ?? Int.max, lhs.version) < (rhs.machine, rhs.revision ?? Int.max, rhs.version)
        }
        return report
    }

    /// Why this build cannot replay or continue the run, or `nil` if it can.
    private static func blocker(runNo: Int64, replay: RunReplay, finished: Bool, registry: MachineRegistry) -> UpgradeReport.BlockedRun? {
        guard let divergence = replay.divergence else { return nil }
        let reason: UpgradeReport.BlockedRun.Reason
        if let machine = replay.machine, registry.revisions(of: machine).isEmpty {
            reason = .unknownMachine
        } else if replay.machine != nil, replay.version != nil, replay.revision == nil {
            reason = .unknownRevision
        } else {
            reason = .divergence
        }
        return UpgradeReport.BlockedRun(
            run: replay.runID,
            runNo: runNo,
            finished: finished,
            reason: reason,
            seq: divergence.seq,
            message: divergence.problem
        )
    }
}
