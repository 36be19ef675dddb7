#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import RunStateMachine

/// The worker's client of Anthropic's Messages API: one non-streaming `POST /v1/messages` per
/// turn, so "the response arrived" is one event the journal records whole.
///
/// It makes exactly one HTTP call per ``createMessage(_:apiKey:)``; retries are the run
/// machine's (journaled, with the wait the API asked for), never a hidden second layer.
public struct AnthropicClient: Sendable {
    /// Where and how to call.
    public let configuration: AnthropicConfiguration
    private let http: HTTPClient

    /// A client over `http` (the worker's client unless given).
    public init(configuration: AnthropicConfiguration, http: HTTPClient = WorkerHTTP.client) {
        self.configuration = configuration
        self.http = http
    }

    /// Sends one Messages request with `body` and classifies what came back. The key appears in
    /// no outcome: reasons are scrubbed of it.
    ///
    /// - Throws: `CancellationError` only, when the calling task is cancelled (worker shutdown).
    public func createMessage(_ body: JSONValue, apiKey: String) async throws -> ModelCallOutcome {
        var request = HTTPClientRequest(url: configuration.baseURL + "/v1/messages")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "anthropic-version", value: configuration.version)
        switch configuration.authStyle {
        case .xAPIKey: request.headers.add(name: "x-api-key", value: apiKey)
        case .bearer: request.headers.add(name: "authorization", value: "Bearer \(apiKey)")
        }
        request.body = .bytes(ByteBuffer(bytes: body.canonicalBytes))
        let outcome: ModelCallOutcome
        let (http, timeout, limit, prepared) = (self.http, configuration.requestTimeoutSeconds, configuration.maxResponseBytes, request)
        do {
            outcome = try await WorkerHTTP.within(seconds: timeout) {
                let response = try await http.execute(prepared, timeout: .seconds(Int64(timeout)))
                var headers: [String: String] = [:]
                for (name, value) in response.headers {
                    headers[name.lowercased()] = value
                }
                let buffer = try await response.body.collect(upTo: limit)
                return AnthropicMessages.classify(status: Int(response.status.code), headers: headers, body: Array(buffer.readableBytesView))
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            outcome = Self.classify(transportError: error, timeoutSeconds: timeout)
        }
        return outcome.scrubbing(apiKey)
    }

    /// A call that failed below HTTP: refused before the request was sent (safe to send again,
    /// nothing was billed), or lost after (ambiguous).
    static func classify(transportError error: any Error, timeoutSeconds: Int) -> ModelCallOutcome {
        if error is WorkerHTTP.DeadlineExceeded {
            return .ambiguous(reason: "no complete response within \(timeoutSeconds) s", retryAfterMilliseconds: nil)
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                return .rejected(reason: "could not connect to the model API (\(error))", retryAfterMilliseconds: nil)
            case .deadlineExceeded, .readTimeout:
                return .ambiguous(reason: "no complete response within \(timeoutSeconds) s", retryAfterMilliseconds: nil)
            default:
                return .ambiguous(reason: "the connection failed mid-call (\(error))", retryAfterMilliseconds: nil)
            }
        }
        if error is NIOTooManyBytesError {
            return .ambiguous(reason: "the response was larger than the worker reads", retryAfterMilliseconds: nil)
        }
        if error is NIOConnectionError {
            return .rejected(reason: "could not connect to the model API (\(error))", retryAfterMilliseconds: nil)
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return .rejected(reason: "the model API refused the connection", retryAfterMilliseconds: nil)
        }
        return .ambiguous(reason: "the call failed (\(error))", retryAfterMilliseconds: nil)
    }
}

extension ModelCallOutcome {
    /// The outcome with every occurrence of `secret` in its reason replaced.
    func scrubbing(_ secret: String) -> ModelCallOutcome {
        guard !secret.isEmpty else { return self }
        func scrub(_ text: String) -> String { text.replacing(secret, with: "[redacted ANTHROPIC_API_KEY]") }
        switch self {
        case .responded: return self
        case .failed(let reason): return .failed(reason: scrub(reason))
        case .rejected(let reason, let wait): return .rejected(reason: scrub(reason), retryAfterMilliseconds: wait)
        case .ambiguous(let reason, let wait): return .ambiguous(reason: scrub(reason), retryAfterMilliseconds: wait)
        }
    }
}
