import ArgumentParser
import RunStateMachine

/// `worker graph`: draws a revision of the sandbox-job machine and runs the static checks.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the sandbox-job state machine as Graphviz or Mermaid, or check it.",
        discussion: """
            --check runs the static checks on every revision this build carries (each released \
            revision unchanged, every state reachable, every non-terminal state can finish, \
            nothing leaves a terminal state, every effect has a recovery policy, every state \
            holding a sandbox can release it) and exits non-zero if any fails. --json prints \
            the definition as data with the checks' results (--db is accepted like everywhere, \
            and not used).
            """
    )

    @OptionGroup var options: GlobalOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, mermaid
    }

    @Option(help: "Output format: dot or mermaid.")
    var format: Format = .dot

    @Flag(help: "Run the static checks instead of drawing.")
    var check = false

    @Option(help: "The machine revision to draw or print (default: the newest, which new runs get).")
    var revision: Int?

    func run() throws {
        let chosen = revision ?? SandboxJob.latest.number
        guard let machineRevision = SandboxJob.revision(chosen) else {
            throw ValidationError("sandbox-job has no revision \(chosen); this build has \(SandboxJob.revisions.map { "\($0.number)" }.joined(separator: ", "))")
        }
        let definition = machineRevision.definition
        // --check covers every revision (runs of each are driven by this build) unless one is named.
        let problems = SandboxJob.revisionProblems(only: revision)
        if options.json {
            var object = definition.behaviourJSON
            if case .object(var members) = object {
                members["version"] = .string(definition.version)
                members["releasedVersion"] = .string(machineRevision.releasedVersion)
                members["revisions"] = .array(SandboxJob.revisions.map { ["revision": .int(Int64($0.number)), "version": .string($0.releasedVersion)] })
                members["problems"] = .array(problems.map { ["code": .string($0.code.rawValue), "subject": .string($0.subject), "detail": .string($0.detail)] })
                object = .object(members)
            }
            print(object.canonicalString)
            if check, !problems.isEmpty { throw ExitCode(1) }
            return
        }
        guard check else {
            print(format == .dot ? definition.graphviz : definition.mermaid, terminator: "")
            return
        }
        for checked in SandboxJob.revisions where revision == nil || checked.number == chosen {
            let definition = checked.definition
            print("\(definition.shortVersion): \(definition.states.count) states, \(definition.events.count) events, "
                + "\(definition.effects.count) effect kinds, \(definition.edges.count) edges")
        }
        if problems.isEmpty {
            print("ok: all static checks pass")
            return
        }
        for problem in problems {
            print("problem: \(problem)")
        }
        throw ExitCode(1)
    }
}
