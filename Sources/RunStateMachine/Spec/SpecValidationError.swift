/// A job spec that was refused, with every problem found.
public struct SpecValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The problems, in document order as far as possible.
    public let problems: [SpecProblem]

    /// Creates an error from at least one problem.
    public init(problems: [SpecProblem]) {
        precondition(!problems.isEmpty, "a validation error needs a problem")
        self.problems = problems
    }

    /// One line per problem.
    public var description: String {
        let noun = problems.count == 1 ? "problem" : "problems"
        return "invalid job spec (\(problems.count) \(noun)):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
