/// An operator's decision about a run parked for one (`needsAttention` in a sandbox job).
public enum Resolution: String, Hashable, Sendable, CaseIterable {
    /// Try the thing again (run the step again, kill again, report again).
    case retry
    /// Treat it as done (the step did run; the sandbox is gone; the status is known) and go on.
    case skip
    /// Give up: the run fails (only while the outcome is not yet decided).
    case fail
}

extension Resolution: JSONCodable {
    /// Decodes the decision's name.
    public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .string(let name) = json, let resolution = Resolution(rawValue: name) else {
            throw JSONDecodingError(path: "", problem: "expected one of retry, skip, fail")
        }
        self = resolution
    }

    /// The decision's name.
    public var json: JSONValue { .string(rawValue) }
}
