import RunStateMachine

/// The machines (and versions) a worker can replay, by name and version.
public struct MachineRegistry: Sendable {
    /// Folds one run's records.
    public typealias Replayer = @Sendable (_ records: [JournalRecord], _ keepSteps: Bool) -> RunReplay

    private var replayers: [String: Replayer] = [:]

    /// An empty registry.
    public init() {}

    /// The machines built into Runlog.
    public static let standard = MachineRegistry().registering(SandboxJob.self)

    /// This registry plus `Machine` at its current version.
    public func registering<Machine: StateMachine>(_ machine: Machine.Type) -> MachineRegistry {
        var copy = self
        copy.replayers[Self.key(Machine.definition.name, Machine.definition.version)] = { records, keepSteps in
            RunReplayer<Machine>.replay(records, keepSteps: keepSteps)
        }
        return copy
    }

    /// The registered `name@version` pairs.
    public var known: [String] { replayers.keys.sorted() }

    private static func key(_ name: String, _ version: String) -> String { "\(name)@\(version)" }

    /// Folds a run's records through the machine and version named in its first record.
    public func replay(_ records: [JournalRecord], keepSteps: Bool = false) -> RunReplay {
        guard let first = records.first else { return RunReplay() }
        guard let creation = try? RunCreation(payload: first.event) else {
            var replay = RunReplay()
            replay.divergence = ReplayDivergence(seq: first.seq, runSeq: first.runSeq, problem: "the first record does not say which machine and version the run uses")
            return replay
        }
        guard let replayer = replayers[Self.key(creation.machine, creation.version)] else {
            var replay = RunReplay()
            replay.runID = creation.runID
            replay.machine = creation.machine
            replay.version = creation.version
            replay.divergence = ReplayDivergence(
                seq: first.seq,
                runSeq: first.runSeq,
                problem: "the run was recorded with \(creation.machine) version \(creation.version.prefix(12)), which this worker cannot replay "
                    + "(it knows \(known.joined(separator: ", ")))"
            )
            return replay
        }
        return replayer(records, keepSteps)
    }
}
