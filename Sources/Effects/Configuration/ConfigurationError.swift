/// A worker setting (an environment variable, a command-line option, a file it names) whose
/// value is not understood.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The setting: a variable or an option.
    public var setting: String
    /// What is wrong with its value.
    public var problem: String
    /// How to fix it.
    public var fix: String

    /// Creates an error.
    public init(setting: String, problem: String, fix: String) {
        self.setting = setting
        self.problem = problem
        self.fix = fix
    }

    /// `ANTHROPIC_AUTH_STYLE: 'x' is not a known style; use x-api-key or bearer`.
    public var description: String { "\(setting): \(problem); \(fix)" }
}
