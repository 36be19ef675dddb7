import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server on 127.0.0.1 for tests: each request is handed whole to a responder,
/// whose answer may be delivered completely, cut after the headers (a stalled stream), or not at
/// all (the connection dropped). The fakes of external services are built on it.
///
/// Responders run on NIO's thread pool, not on Swift's cooperative pool: tests in the same
/// process that block cooperative threads cannot starve the fakes the code under test calls.
public final class LoopbackHTTPServer: Sendable {
    /// The port it listens on.
    public let port: Int
    private let channel: any Channel

    /// The base URL, `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Starts a server on a free port that answers with `respond`.
    public static func start(_ respond: @escaping @Sendable (LoopbackRequest) -> LoopbackResponse) async throws -> LoopbackHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(Handler(respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return LoopbackHTTPServer(channel: channel, port: channel.localAddress?.port ?? 0)
    }

    /// Stops listening (connections already open are left to close).
    public func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let respond: @Sendable (LoopbackRequest) -> LoopbackResponse
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(respond: @escaping @Sendable (LoopbackRequest) -> LoopbackResponse) {
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers {
                    headers[name.lowercased()] = value
                }
                let request = LoopbackRequest(method: head.method.rawValue, uri: head.uri, headers: headers, body: body)
                let respond = self.respond
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let loop = context.eventLoop
                NIOThreadPool.singleton.runIfActive(eventLoop: loop) { respond(request) }.whenSuccess { response in
                    loop.scheduleTask(in: .milliseconds(Int64(response.delayMilliseconds))) {
                        let (handler, context) = bound.value
                        handler.send(response, context: context)
                    }
                }
            }
        }

        private func send(_ response: LoopbackResponse, context: ChannelHandlerContext) {
            if response.delivery == .dropConnection {
                context.close(promise: nil)
                return
            }
            var headers = HTTPHeaders()
            for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
                headers.add(name: name, value: value)
            }
            // A stalled answer promises a body that never comes.
            headers.replaceOrAdd(name: "content-length", value: "\(response.delivery == .headersOnly ? 1 << 20 : response.body.count)")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if response.delivery == .headersOnly {
                context.flush()
                return
            }
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
