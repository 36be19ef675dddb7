import RunStateMachine

/// The machines a worker can replay, by name, each with every revision this build carries.
public struct MachineRegistry: Sendable {
    typealias FoldMaker = @Sendable (_ creation: RunCreation, _ keepSteps: Bool) -> any RunFolding

    /// One registered machine.
    struct Entry: Sendable {
        let makeFold: FoldMaker
        let revisions: [MachineRevision]
        let problems: @Sendable () -> [DefinitionProblem]
    }

    private var machines: [String: Entry] = [:]

    /// An empty registry.
    public init() {}

    /// The machines built into Runlog.
    public static let standard = MachineRegistry().registering(SandboxJob.self)

    /// This registry plus `Machine`, with all its revisions.
    ///
    /// - Precondition: No machine of the same name is registered.
    public func registering<Machine: StateMachine>(_ machine: Machine.Type) -> MachineRegistry {
        precondition(machines[Machine.name] == nil, "a machine named \(Machine.name) is registered already")
        var copy = self
        copy.machines[Machine.name] = Entry(
            makeFold: { creation, keepSteps in
                let fold = RunFold<Machine>(creation: creation, keepSteps: keepSteps)
                return ErasedFold(feed: { record throws(ReplayDivergence) in try fold.feed(record) }, replay: { fold.replay })
            },
            revisions: Machine.revisions,
            problems: { Machine.revisionProblems() }
        )
        return copy
    }

    /// The defects of the registered machines' revisions (``StateMachine/revisionProblems(only:)``),
    /// such as a released revision that changed: a build with any must not be deployed.
    public var problems: [DefinitionProblem] {
        machines.keys.sorted().flatMap { machines[$0]?.problems() ?? [] }
    }

    /// Every registered revision, as `sandbox-job r1 (4b52d6a186c9)`.
    public var known: [String] {
        machines.keys.sorted().flatMap { name in machines[name]?.revisions.map(\.label) ?? [] }
    }

    /// The revisions of the machine named `name`, oldest first (empty if it is not registered).
    public func revisions(of name: String) -> [MachineRevision] {
        machines[name]?.revisions ?? []
    }

    /// The revision of machine `name` whose released version is `version`, if registered.
    public func revision(of name: String, version: String) -> MachineRevision? {
        machines[name]?.revisions.first { $0.releasedVersion == version }
    }

    /// `sandbox-job r1 (4b52d6a186c9)` for a run recorded with `version` of machine `name`, or
    /// `sandbox-job 9f3e… (a revision this build does not have)`.
    public func label(of name: String, version: String) -> String {
        revision(of: name, version: version)?.label ?? "\(name) \(version.prefix(12)) (a revision this build does not have)"
    }

    /// A fold for the run whose first record is `first`, by the machine it names (the fold finds
    /// the revision by the recorded version); one that only reports a divergence if this worker
    /// cannot replay it.
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
        guard let entry = machines[creation.machine] else {
            var replay = RunReplay()
            replay.runID = creation.runID
            replay.machine = creation.machine
            replay.version = creation.version
            replay.divergence = ReplayDivergence(
                seq: first.seq,
                runSeq: first.runSeq,
                problem: "the run is of machine '\(creation.machine)', which this build does not have (it has \(known.joined(separator: ", ")))"
            )
            return DivergedFold(replay)
        }
        return entry.makeFold(creation, keepSteps)
    }

    /// Folds a run's records through the machine and revision named in its first record.
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
