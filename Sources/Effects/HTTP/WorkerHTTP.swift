import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// The worker's HTTP client for external services (the model API; later E2B and status sinks),
/// and the deadline every call runs under.
///
/// One retry layer only, the run machine's: the client does not retry connection attempts on its
/// own (by default async-http-client retries a refused connection until the request's deadline,
/// which would hide an outage for as long as the call's timeout) and follows no redirects (a key
/// is never sent to a host it was not meant for).
public enum WorkerHTTP {
    /// The process-wide client (never shut down: it lives as long as the worker).
    public static let client: HTTPClient = {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60))
        pool.retryConnectionEstablishment = false
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10)),
            connectionPool: pool
        )
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    /// A whole HTTP answer: status, headers (names lower-cased) and body.
    public struct Answer: Sendable {
        /// The status code.
        public var status: Int
        /// The headers, names lower-cased (the last of repeated ones).
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]
    }

    /// Sends one request with `client` and reads the whole answer (at most `limit` body bytes),
    /// all within `seconds`.
    ///
    /// - Throws: ``DeadlineExceeded``, `CancellationError`, or the client's errors.
    public static func send(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeoutSeconds seconds: Int,
        limit: Int = 8 << 20,
        client: HTTPClient = WorkerHTTP.client
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let prepared = request
        return try await within(seconds: seconds) {
            let response = try await client.execute(prepared, timeout: .seconds(Int64(seconds)))
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                headers[name.lowercased()] = value
            }
            let buffer = try await response.body.collect(upTo: limit)
            return Answer(status: Int(response.status.code), headers: headers, body: Array(buffer.readableBytesView))
        }
    }

    /// A call that did not complete within its deadline.
    public struct DeadlineExceeded: Error, Hashable, Sendable {}

    /// Runs `operation` (a request and the reading of its whole response) and gives up after
    /// `seconds`: async-http-client's own deadline ends when the headers arrive, so a response
    /// whose body stalls would otherwise hang the call.
    ///
    /// - Throws: ``DeadlineExceeded``, `CancellationError` if the calling task is cancelled, or
    ///   what `operation` throws.
    public static func within<T: Sendable>(seconds: Int, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw DeadlineExceeded()
            }
            defer { group.cancelAll() }
            do {
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            } catch {
                if Task.isCancelled { throw CancellationError() }
                throw error
            }
        }
    }
}
