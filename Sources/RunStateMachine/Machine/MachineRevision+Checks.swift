extension MachineRevision {
    /// Every defect of a revision list: revisions numbered 1, 2, … in order under one name,
    /// each revision's definition still the one released (``MachineRevision/isIntact``), and
    /// each passing the static checks of ``MachineDefinition/problems`` (reported with the
    /// revision in the subject).
    ///
    /// - Parameters:
    ///   - revisions: A machine's revisions, oldest first.
    ///   - number: Only this revision's defects, if given.
    public static func problems(of revisions: [MachineRevision], only number: Int? = nil) -> [DefinitionProblem] {
        guard let first = revisions.first else {
            return [DefinitionProblem(.revisionOrder, subject: "machine", detail: "the machine declares no revision")]
        }
        var problems: [DefinitionProblem] = []
        for (index, revision) in revisions.enumerated() where number == nil || revision.number == number {
            let definition = revision.definition
            let subject = "\(definition.name) r\(definition.revision)"
            if definition.revision != index + 1 {
                problems.append(
                    DefinitionProblem(.revisionOrder, subject: subject, detail: "revision \(index + 1) of the list is numbered \(definition.revision); number them 1, 2, … oldest first")
                )
            }
            if definition.name != first.definition.name {
                problems.append(
                    DefinitionProblem(.revisionOrder, subject: subject, detail: "it is named '\(definition.name)', revision 1 '\(first.definition.name)'; all revisions share one name")
                )
            }
            if !revision.isIntact {
                problems.append(
                    DefinitionProblem(
                        .revisionChanged,
                        subject: subject,
                        detail: "it was released as version \(revision.releasedVersion.prefix(12)) but its definition now hashes to \(definition.version); "
                            + "a released revision never changes, since runs recorded with it replay by it. Undo the change, and make it a new revision: "
                            + "append MachineRevision(<the changed definition, revision \(revisions.count + 1)>, released: \"<its version>\") to `revisions`, "
                            + "gate the new behaviour in the transition code on `revision >= \(revisions.count + 1)`, and record its golden journal (README: Upgrading)"
                    )
                )
            }
            for problem in definition.problems {
                problems.append(DefinitionProblem(problem.code, subject: "\(subject): \(problem.subject)", detail: problem.detail))
            }
        }
        return problems
    }
}
