/// What the loopback server answers.
public struct LoopbackResponse: Sendable {
    /// How much of the answer is delivered.
    public enum Delivery: Sendable {
        /// All of it.
        case complete
        /// The status line and headers, then nothing (the body never comes).
        case headersOnly
        /// Nothing: the connection is closed.
        case dropConnection
    }

    /// The status code.
    public var status: Int
    /// Headers.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]
    /// How much is delivered.
    public var delivery: Delivery
    /// How long to wait before sending anything.
    public var delayMilliseconds: Int

    /// Creates an answer.
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], delivery: Delivery = .complete, delayMilliseconds: Int = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delivery = delivery
        self.delayMilliseconds = delayMilliseconds
    }
}
