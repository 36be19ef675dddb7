import RunStateMachine

/// What a run's first record says: which machine and version, with which input, when.
public struct RunCreation: Sendable {
    /// The run's id.
    public let runID: RunID
    /// The machine's name.
    public let machine: String
    /// The machine's version.
    public let version: String
    /// The input, as journaled.
    public let input: JSONValue
    /// When the run was submitted.
    public let submittedAt: Timestamp
    /// The run's label.
    public let name: String?
    /// The client's idempotency key.
    public let idempotencyKey: String?

    /// Reads the payload of a `created` record.
    public init(payload bytes: [UInt8]) throws(JSONDecodingError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw JSONDecodingError(path: "", problem: error.description)
        }
        let fields = try JSONFields(json)
        guard let runID = RunID(try fields.string("runID")) else {
            throw JSONDecodingError(path: "runID", problem: "not a run id")
        }
        self.runID = runID
        machine = try fields.string("machine")
        version = try fields.string("version")
        input = try fields.required("input")
        submittedAt = try fields.decode("submittedAt")
        name = try fields.optionalString("name")
        idempotencyKey = try fields.optionalString("idempotencyKey")
    }
}
