import Crypto
import NIOHTTP1
import RunStateMachine

/// Reports run status to a webhook: `POST` of the update's JSON, signed with HMAC-SHA256 of the
/// body under the worker's secret (`X-Runlog-Signature: sha256=<hex>`), with a delivery id that
/// is the same on every retry (`X-Runlog-Delivery: <run>-<seq>`), so the receiver can drop
/// duplicates and order updates by `seq`.
public struct WebhookSink: StatusSink {
    /// The name of the worker secret that holds the signing key.
    public static let signingSecret = "RUNLOG_WEBHOOK_SECRET"
    /// The URL.
    public let url: String
    private let secret: @Sendable () -> String?
    private let timeoutSeconds: Int

    /// The sink's name.
    public var name: String { "webhook" }

    /// A sink posting to `url`, signing with `secret`'s value.
    public init(url: String, timeoutSeconds: Int = 30, secret: @escaping @Sendable () -> String?) {
        self.url = url
        self.timeoutSeconds = timeoutSeconds
        self.secret = secret
    }

    /// The signature header's value for `body` under `key`: `sha256=<hex HMAC-SHA256>`.
    public static func signature(of body: [UInt8], key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(key.utf8)))
        return "sha256=" + ContentHash.hex(mac)
    }

    /// Posts the update; 2xx is delivered, 408, 429 and 5xx may be retried, other answers not.
    public func deliver(_ update: StatusUpdate) async throws(StatusSinkError) {
        guard let key = secret(), !key.isEmpty else {
            throw StatusSinkError("the worker has no value for secret '\(Self.signingSecret)': set it in the worker's environment or its --secrets-file", retryable: false)
        }
        let body = update.json.canonicalBytes
        let headers = [
            ("content-type", "application/json"),
            ("x-runlog-delivery", "\(update.runID)-\(update.seq)"),
            ("x-runlog-signature", Self.signature(of: body, key: key)),
        ]
        let answer: WorkerHTTP.Answer
        do {
            answer = try await WorkerHTTP.send(.POST, url, headers: headers, body: body, timeoutSeconds: timeoutSeconds, limit: 1 << 16)
        } catch {
            throw StatusSinkError("the webhook could not be reached (\(error))", retryable: true)
        }
        guard (200..<300).contains(answer.status) else {
            let retryable = answer.status == 408 || answer.status == 429 || answer.status >= 500
            throw StatusSinkError("the webhook answered HTTP \(answer.status)", retryable: retryable)
        }
    }
}
