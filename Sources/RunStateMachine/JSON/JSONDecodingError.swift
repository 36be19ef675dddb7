/// A JSON document that parsed but does not have the shape a type expects.
///
/// `path` locates the problem in JSONPath-like notation relative to the decoded value
/// (`steps[2].retry.maxAttempts`); callers that know the document root prefix it with `$.`.
public struct JSONDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the problem is, e.g. `steps[2].retry`.
    public var path: String
    /// What is wrong there.
    public var problem: String

    /// Creates an error at `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// Returns this error located under a parent key or index.
    ///
    /// - Parameter component: A member name (`"retry"`) or an index component (`"[2]"`).
    public func nested(under component: String) -> JSONDecodingError {
        let joined: String
        if path.isEmpty {
            joined = component
        } else if path.hasPrefix("[") {
            joined = component + path
        } else {
            joined = component + "." + path
        }
        return JSONDecodingError(path: joined, problem: problem)
    }

    /// `path: problem`, or just the problem at the root.
    public var description: String {
        path.isEmpty ? problem : "\(path): \(problem)"
    }
}
