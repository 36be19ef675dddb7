/// One thing wrong with a job spec: where, what, and how to fix it.
public struct SpecProblem: Hashable, Sendable, CustomStringConvertible {
    /// The JSON path, e.g. `$.steps[0].timeoutSeconds`.
    public let path: String
    /// What is wrong.
    public let message: String
    /// What to do about it.
    public let fix: String

    /// Creates a problem report.
    public init(path: String, message: String, fix: String) {
        self.path = path
        self.message = message
        self.fix = fix
    }

    /// `$.steps[0].timeoutSeconds: expected an integer, found string (fix: write a whole number of seconds, e.g. 60)`.
    public var description: String {
        "\(path): \(message) (fix: \(fix))"
    }
}
