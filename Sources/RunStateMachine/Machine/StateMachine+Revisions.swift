extension StateMachine {
    /// The machine's name, shared by all its revisions.
    public static var name: String { latest.definition.name }

    /// The newest revision: the one new runs are created with.
    public static var latest: MachineRevision { revisions[revisions.count - 1] }

    /// The revision numbered `number`, if this build has it.
    public static func revision(_ number: Int) -> MachineRevision? {
        number >= 1 && number <= revisions.count ? revisions[number - 1] : nil
    }

    /// The revision whose released version is `version` (a run's recorded version), if this
    /// build has it.
    public static func revision(forVersion version: String) -> MachineRevision? {
        revisions.first { $0.releasedVersion == version }
    }

    /// The revision this run is driven by.
    @inlinable
    public var machineRevision: MachineRevision { Self.revisions[revision - 1] }

    /// The definition of the revision this run is driven by.
    @inlinable
    public var definition: MachineDefinition { machineRevision.definition }

    /// Every defect of the machine's revision list: see ``MachineRevision/problems(of:only:)``.
    ///
    /// - Parameter number: Only this revision's defects, if given.
    public static func revisionProblems(only number: Int? = nil) -> [DefinitionProblem] {
        MachineRevision.problems(of: revisions, only: number)
    }
}
