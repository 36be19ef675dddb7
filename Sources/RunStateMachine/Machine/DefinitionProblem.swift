/// A defect found by the static checks of a ``MachineDefinition``.
public struct DefinitionProblem: Hashable, Sendable, CustomStringConvertible {
    /// The kinds of defect.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// Two states, events or effect kinds share a name.
        case duplicateName
        /// An edge or the initial list names a state that is not declared.
        case undeclaredState
        /// An edge names an event that is not declared.
        case undeclaredEvent
        /// An edge names an effect kind that is not declared.
        case undeclaredEffect
        /// The definition declares no initial state.
        case noInitialState
        /// No path from an initial state reaches this state.
        case unreachableState
        /// No path from this non-terminal state reaches a terminal state: a run could be stuck.
        case cannotTerminate
        /// An edge leaves a terminal state.
        case edgeLeavesTerminal
        /// An effect kind has no recovery policy.
        case effectWithoutPolicy
        /// A state holds a resource but no path from it fires an effect that releases it.
        case unreleasedResource
        /// A terminal state holds a resource, which would leak.
        case terminalHoldsResource
        /// A declared event appears on no edge.
        case unusedEvent
        /// A declared effect kind appears on no edge.
        case unusedEffect
        /// A machine's revisions are not numbered 1, 2, … in order under one name.
        case revisionOrder
        /// A released revision's definition no longer hashes to the version it was released with.
        case revisionChanged
    }

    /// The kind of defect.
    public let code: Code
    /// The state, event, effect or edge concerned.
    public let subject: String
    /// Details.
    public let detail: String

    /// Creates a problem report.
    public init(_ code: Code, subject: String, detail: String) {
        self.code = code
        self.subject = subject
        self.detail = detail
    }

    /// `unreachableState running: no path from an initial state`.
    public var description: String {
        "\(code.rawValue) \(subject): \(detail)"
    }
}
