/// Which runs a query of the store returns.
public enum RunFilter: Hashable, Sendable, CustomStringConvertible {
    /// Every run.
    case all
    /// Every run that has not reached a terminal state.
    case unfinished
    /// The runs whose current state has this name (`running`, `needsAttention`, …).
    case state(String)

    /// The filter the command line's `--state` names: `active` (or `unfinished`) for every
    /// unfinished run, any other word a state name, nothing for every run.
    public init(parsing text: String?) {
        switch text {
        case nil: self = .all
        case "active"?, "unfinished"?: self = .unfinished
        case let name?: self = .state(name)
        }
    }

    /// `all`, `unfinished`, or the state's name.
    public var description: String {
        switch self {
        case .all: "all"
        case .unfinished: "unfinished"
        case .state(let name): name
        }
    }
}
