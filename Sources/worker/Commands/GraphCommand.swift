import ArgumentParser
import RunStateMachine

/// `worker graph`: draws the sandbox-job machine and runs its static checks.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the sandbox-job state machine as Graphviz or Mermaid, or check it.",
        discussion: """
            --check runs the static checks (every state reachable, every non-terminal state can \
            finish, nothing leaves a terminal state, every effect has a recovery policy, every \
            state holding a sandbox can release it) and exits non-zero if any fails. --json prints \
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

    func run() throws {
        let definition = SandboxJob.definition
        if options.json {
            var object = definition.behaviourJSON
            if case .object(var members) = object {
                members["version"] = .string(definition.version)
                members["problems"] = .array(definition.problems.map { ["code": .string($0.code.rawValue), "subject": .string($0.subject), "detail": .string($0.detail)] })
                object = .object(members)
            }
            print(object.canonicalString)
            if check, !definition.problems.isEmpty { throw ExitCode(1) }
            return
        }
        guard check else {
            print(format == .dot ? definition.graphviz : definition.mermaid, terminator: "")
            return
        }
        let problems = definition.problems
        print("\(definition.shortVersion): \(definition.states.count) states, \(definition.events.count) events, "
            + "\(definition.effects.count) effect kinds, \(definition.edges.count) edges")
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
