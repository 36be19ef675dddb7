/// What the journal keeps of a command's output stream: its size and hash, never the bytes.
///
/// The capped head and tail of the output stay in the sandbox's capture; the journal records
/// only enough to prove later what was produced.
public struct OutputDigest: Hashable, Sendable {
    /// Bytes produced in all.
    public var bytes: Int64
    /// SHA-256 (hex) of all bytes produced.
    public var sha256: String
    /// Whether the capture kept only the head and tail.
    public var truncated: Bool

    /// Creates a digest.
    public init(bytes: Int64, sha256: String, truncated: Bool) {
        self.bytes = bytes
        self.sha256 = sha256
        self.truncated = truncated
    }

    /// The digest of no output at all.
    public static let empty = OutputDigest(
        bytes: 0,
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        truncated: false
    )
}

extension OutputDigest: JSONCodable {
    /// Decodes `{"bytes":..,"sha256":"..","truncated":false}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(bytes: try fields.int64("bytes"), sha256: try fields.string("sha256"), truncated: try fields.bool("truncated"))
    }

    /// `{"bytes":..,"sha256":"..","truncated":false}`.
    public var json: JSONValue {
        ["bytes": .int(bytes), "sha256": .string(sha256), "truncated": .bool(truncated)]
    }
}
