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

    /// A creation, as `submit` journals it.
    init(runID: RunID, machine: String, version: String, input: JSONValue, submittedAt: Timestamp, name: String?, idempotencyKey: String?) {
        self.runID = runID
        self.machine = machine
        self.version = version
        self.input = input
        self.submittedAt = submittedAt
        self.name = name
        self.idempotencyKey = idempotencyKey
    }

    /// The canonical payload of a `created` record with `inputBytes` (the input's canonical
    /// encoding) as its input: what `submit` writes, and what replay expects to find. Built
    /// around the input's bytes, so the input, the bulk of it, is encoded once.
    func canonicalPayload(inputBytes: [UInt8]) -> [UInt8] {
        // Members in key order: idempotencyKey, input, machine, name, runID, submittedAt, version.
        var rest: JSONObject = [
            "machine": .string(machine), "runID": .string(runID.value), "submittedAt": submittedAt.json, "version": .string(version),
        ]
        if let name { rest["name"] = .string(name) }
        var payload: [UInt8] = [UInt8(ascii: "{")]
        payload.reserveCapacity(inputBytes.count + 256)
        if let idempotencyKey {
            payload += Array(#""idempotencyKey":"#.utf8)
            JSONValue.string(idempotencyKey).writeCanonical(into: &payload)
            payload.append(UInt8(ascii: ","))
        }
        payload += Array(#""input":"#.utf8)
        payload += inputBytes
        payload.append(UInt8(ascii: ","))
        payload += JSONValue.object(rest).canonicalBytes.dropFirst()
        return payload
    }

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
