/// A file copied out of the sandbox before teardown, as the journal records it.
public struct ArtifactDigest: Hashable, Sendable {
    /// The workspace-relative path.
    public var path: String
    /// Its size.
    public var bytes: Int64
    /// SHA-256 (hex) of its content.
    public var sha256: String

    /// Creates an artifact record.
    public init(path: String, bytes: Int64, sha256: String) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
    }
}

extension ArtifactDigest: JSONCodable {
    /// Decodes `{"path":..,"bytes":..,"sha256":..}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(path: try fields.string("path"), bytes: try fields.int64("bytes"), sha256: try fields.string("sha256"))
    }

    /// `{"path":..,"bytes":..,"sha256":..}`.
    public var json: JSONValue { ["path": .string(path), "bytes": .int(bytes), "sha256": .string(sha256)] }
}
