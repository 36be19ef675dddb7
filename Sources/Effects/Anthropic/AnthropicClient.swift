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
        var headers = [("content-type", "application/json"), ("anthropic-version", configuration.version)]
        switch configuration.authStyle {
        case .xAPIKey: headers.append(("x-api-key", apiKey))
        case .bearer: headers.append(("authorization", "Bearer \(apiKey)"))
        }
        let outcome: ModelCallOutcome
        do {
            let answer = try await WorkerHTTP.send(
                .POST,
                configuration.baseURL + "/v1/messages",
                headers: headers,
                body: body.canonicalBytes,
                timeoutSeconds: configuration.requestTimeoutSeconds,
                limit: configuration.maxResponseBytes,
                client: http
            )
            outcome = AnthropicMessages.classify(status: answer.status, headers: answer.headers, body: answer.body)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            outcome = Self.classify(transportError: error, timeoutSeconds: configuration.requestTimeoutSeconds)
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
    /// The outcome with every occurrence of `secret` (the API key) in its reason replaced.
    public func scrubbing(_ secret: String) -> ModelCallOutcome {
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
