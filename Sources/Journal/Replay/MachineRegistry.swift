import RunStateMachine

/// The machines (and versions) a worker can replay, by name and version.
public struct MachineRegistry: Sendable {
    typealias FoldMaker = @Sendable (_ creation: RunCreation, _ keepSteps: Bool) -> any RunFolding

    private var makers: [String: FoldMaker] = [:]

    /// An empty registry.
    public init() {}

    /// The machines built into Runlog.
    public static let standard = MachineRegistry().registering(SandboxJob.self)

    /// This registry plus `Machine` at its current version.
    public func registering<Machine: StateMachine>(_ machine: Machine.Type) -> MachineRegistry {
        var copy = self
        copy.makers[Self.key(Machine.definition.name, Machine.definition.version)] = { creation, keepSteps in
            let fold = RunFold<Machine>(creation: creation, keepSteps: keepSteps)
            return ErasedFold(feed: { record throws(ReplayDivergence) in try fold.feed(record) }, replay: { fold.replay })
        }
        return copy
    }

    /// The registered `name@version` pairs.
    public var known: [String] { makers.keys.sorted() }

    private static func key(_ name: String, _ version: String) -> String { "\(name)@\(version)" }

    /// A fold for the run whose first record is `first`, by the machine and version it names;
    /// one that only reports a divergence if this worker cannot replay it.
    func fold(startingWith first: JournalRecord, keepSteps: Bool) -> any RunFolding {
        guard first.kind == .created, first.runSeq == 1 else {
            var replay = RunReplay()
            replay.divergence = ReplayDivergence(
                seq: first.seq,
                runSeq: first.runSeq,
                problem: "the run's first record is its record \(first.runSeq) (\(first.kind.rawValue)); its creation and earlier records are missing"
            )
            return DivergedFold(replay)
        }
        guard let creation = try? RunCreation(payload: first.event) else {
            var replay = RunReplay()
            replay.divergence = ReplayDivergence(seq: first.seq, runSeq: first.runSeq, problem: "the first record does not say which machine and version the run uses")
            return DivergedFold(replay)
        }
        guard let maker = makers[Self.key(creation.machine, creation.version)] else {
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
            return DivergedFold(replay)
        }
        return maker(creation, keepSteps)
    }

    /// Folds a run's records through the machine and version named in its first record.
    public func replay(_ records: [JournalRecord], keepSteps: Bool = false) -> RunReplay {
        guard let first = records.first else { return RunReplay() }
        let fold = fold(startingWith: first, keepSteps: keepSteps)
        for record in records {
            do {
                try fold.feed(record)
            } catch {
                var replay = fold.replay
                replay.divergence = error
                return replay
            }
        }
        return fold.replay
    }
}
