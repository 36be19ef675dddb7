/// A worker setting, read from its environment, whose value is not understood.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The variable.
    public var variable: String
    /// What is wrong with its value.
    public var problem: String
    /// How to fix it.
    public var fix: String

    /// Creates an error.
    public init(variable: String, problem: String, fix: String) {
        self.variable = variable
        self.problem = problem
        self.fix = fix
    }

    /// `ANTHROPIC_AUTH_STYLE: 'x' is not a known style; use x-api-key or bearer`.
    public var description: String { "\(variable): \(problem); \(fix)" }
}
