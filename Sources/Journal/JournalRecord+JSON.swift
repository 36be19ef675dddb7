import RunStateMachine

extension JournalRecord: JSONCodable {
    /// Decodes the exported form (see ``json``); a record exported without `format` (by an
    /// earlier release) is format 1.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        guard let kind = RecordKind(rawValue: try fields.string("kind")) else {
            throw JSONDecodingError(path: "kind", problem: "unknown record kind")
        }
        func bytes(_ key: String) throws(JSONDecodingError) -> [UInt8]? {
            try fields.optionalString(key).map { Array($0.utf8) }
        }
        func hash(_ key: String) throws(JSONDecodingError) -> [UInt8] {
            guard let value = hexBytes(try fields.string(key)), value.count == 32 else {
                throw JSONDecodingError(path: key, problem: "expected 64 hex digits")
            }
            return value
        }
        var answers: IntentID?
        if let text = try fields.optionalString("answers") {
            guard let id = IntentID(text) else { throw JSONDecodingError(path: "answers", problem: "not an intent id") }
            answers = id
        }
        self.init(
            seq: try fields.int64("seq"),
            runNo: try fields.int64("runNo"),
            runSeq: try fields.int("runSeq"),
            runPrev: try fields.optionalInt("runPrev").map(Int64.init),
            kind: kind,
            epoch: try fields.int64("epoch"),
            at: try fields.decode("atMs"),
            event: Array(try fields.string("event").utf8),
            state: try bytes("state"),
            intents: try bytes("intents"),
            abandons: try bytes("abandons"),
            answers: answers,
            prevHash: try hash("prevHash"),
            hash: try hash("hash"),
            format: try fields.optionalInt("format").map(Int64.init) ?? 1
        )
    }

    /// Every column, with the JSON payload columns kept as the exact stored text (so the
    /// export re-imports byte for byte) and the hashes in hex.
    public var json: JSONValue {
        var members: JSONObject = [
            "seq": .int(seq),
            "runNo": .int(runNo),
            "runSeq": .int(Int64(runSeq)),
            "kind": .string(kind.rawValue),
            "epoch": .int(epoch),
            "atMs": at.json,
            "event": .string(String(decoding: event, as: UTF8.self)),
            "prevHash": .string(ContentHash.hex(prevHash)),
            "hash": .string(ContentHash.hex(hash)),
            "format": .int(format),
        ]
        if let runPrev { members["runPrev"] = .int(runPrev) }
        if let state { members["state"] = .string(String(decoding: state, as: UTF8.self)) }
        if let intents { members["intents"] = .string(String(decoding: intents, as: UTF8.self)) }
        if let abandons { members["abandons"] = .string(String(decoding: abandons, as: UTF8.self)) }
        if let answers { members["answers"] = .string(answers.description) }
        return .object(members)
    }
}
