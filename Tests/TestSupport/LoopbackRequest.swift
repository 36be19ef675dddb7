/// A request the loopback server received.
public struct LoopbackRequest: Sendable {
    /// `GET`, `POST`, ...
    public var method: String
    /// The path and query.
    public var uri: String
    /// Headers, names lower-cased.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]
}
