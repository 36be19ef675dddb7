import AsyncHTTPClient
import FoundationEssentials
import NIOHTTP1
import RunStateMachine
import SystemSupport

/// The E2B calls a worker needs, over HTTP: the control plane (`X-API-Key`) and each sandbox's
/// envd through the sandbox proxy (`X-Access-Token`, `E2b-Sandbox-Id`, `E2b-Sandbox-Port`), in
/// the wire format recorded in `external-apis.md` §1. One HTTP call per method; failures come
/// back as ``SandboxError`` saying whether trying again may help.
public struct E2BClient: Sendable {
    /// Where to call.
    public let configuration: E2BConfiguration
    private let apiKey: @Sendable () -> String?
    private let http: HTTPClient

    /// The envd port inside every sandbox.
    static let envdPort = "49983"

    /// A client whose key comes from `apiKey` at each call.
    public init(configuration: E2BConfiguration, apiKey: @escaping @Sendable () -> String?, http: HTTPClient = WorkerHTTP.client) {
        self.configuration = configuration
        self.apiKey = apiKey
        self.http = http
    }

    /// A sandbox as the control plane describes it.
    public struct Sandbox: Hashable, Sendable {
        /// E2B's id.
        public var id: String
        /// `running` or `paused` (empty when the answer did not say).
        public var state: String
        /// Its metadata.
        public var metadata: [String: String]
        /// The token for its envd, when the answer carried one.
        public var envdAccessToken: String?
    }

    // MARK: Control plane

    /// `POST /v2/sandboxes` with `Idempotency-Key`: the same key returns the same sandbox. Where
    /// the control plane has no v2 route (404 without an E2B error body), `POST /sandboxes` with
    /// `secure: true`: no idempotency then, the metadata lookup is the only backstop. The body
    /// must be the same bytes on every retry of one key.
    public func create(template: String, timeoutSeconds: Int, metadata: [String: String], envVars: [String: String], idempotencyKey: String) async throws(SandboxError) -> Sandbox {
        let body: JSONValue = [
            "templateID": .string(template),
            "timeout": .int(Int64(timeoutSeconds)),
            "metadata": .object(JSONObject(metadata.mapValues(JSONValue.string))),
            "envVars": .object(JSONObject(envVars.mapValues(JSONValue.string))),
            "autoPause": false,
        ]
        var answer = try await control(.POST, "/v2/sandboxes", body: body, extraHeaders: [("idempotency-key", idempotencyKey)], what: "creating a sandbox")
        if answer.status == 404, Self.errorCode(answer.body) == nil {
            guard case .object(var v1) = body else { throw .failed("unreachable", retryable: false) }
            v1["secure"] = true
            answer = try await control(.POST, "/sandboxes", body: .object(v1), what: "creating a sandbox")
        }
        guard answer.status == 201 || answer.status == 200, let sandbox = Self.sandbox(answer.body) else {
            // Another request with this key differs (an earlier owner's epoch) or is in flight:
            // the sandbox may exist; it is looked up by its metadata before anything else.
            if answer.status == 409 || answer.status == 422, Self.errorCode(answer.body)?.hasPrefix("idempotency_") == true {
                throw .failed(Self.failure(answer, what: "creating a sandbox").description, retryable: true)
            }
            throw Self.failure(answer, what: "creating a sandbox")
        }
        return sandbox
    }

    /// `GET /sandboxes/{id}`: the sandbox, or `nil` if E2B says it does not exist.
    public func get(_ id: String) async throws(SandboxError) -> Sandbox? {
        let answer = try await control(.GET, "/sandboxes/\(id)", what: "reading sandbox \(id)")
        if answer.status == 404 { return nil }
        guard answer.status == 200, let sandbox = Self.sandbox(answer.body) else { throw Self.failure(answer, what: "reading sandbox \(id)") }
        return sandbox
    }

    /// `GET /v2/sandboxes?metadata=...` (running and paused), every page, each within
    /// `timeoutSeconds` (default: the configured request timeout). Metadata keys and values must
    /// be `[A-Za-z0-9._-]`, so the inner encoding is the identity.
    public func list(metadata: [String: String], timeoutSeconds: Int? = nil) async throws(SandboxError) -> [Sandbox] {
        let filter = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        var sandboxes: [Sandbox] = []
        var next: String?
        repeat {
            var path = "/v2/sandboxes?state=running,paused&limit=100&metadata=" + PercentEncoding.encode(filter)
            if let token = next { path += "&nextToken=" + PercentEncoding.encode(token) }
            let answer = try await control(.GET, path, what: "listing sandboxes", timeoutSeconds: timeoutSeconds)
            guard answer.status == 200, case .array(let items)? = try? JSONValue.parse(answer.body) else {
                throw Self.failure(answer, what: "listing sandboxes")
            }
            sandboxes += items.compactMap { Self.sandbox($0) }
            next = answer.headers["x-next-token"].flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil
        return sandboxes
    }

    /// `DELETE /sandboxes/{id}`: 204 and 404 both mean it is gone.
    public func kill(_ id: String) async throws(SandboxError) {
        let answer = try await control(.DELETE, "/sandboxes/\(id)", what: "killing sandbox \(id)")
        guard answer.status == 204 || answer.status == 404 || answer.status == 200 else { throw Self.failure(answer, what: "killing sandbox \(id)") }
    }

    /// `POST /sandboxes/{id}/timeout`: the sandbox ends `seconds` from now unless set again.
    public func setTimeout(_ id: String, seconds: Int) async throws(SandboxError) {
        let answer = try await control(.POST, "/sandboxes/\(id)/timeout", body: ["timeout": .int(Int64(max(1, seconds)))], what: "renewing sandbox \(id)")
        if answer.status == 404 { throw .gone(E2BSandboxProvider.sandboxID(id), reason: "E2B no longer has it (expired or killed)") }
        guard answer.status == 204 || answer.status == 200 else { throw Self.failure(answer, what: "renewing sandbox \(id)") }
    }

    // MARK: envd

    /// `process.Process/Start` (Connect server stream): starts `/bin/bash -c script` with `envs`
    /// and `tag`, reads the stream until the start event and returns the pid. The process goes
    /// on after the stream is closed; envd kills it after `timeoutMilliseconds`.
    public func startProcess(
        in id: String,
        token: String?,
        script: String,
        envs: [String: String],
        tag: String,
        timeoutMilliseconds: Int64,
        user: String = "user"
    ) async throws(SandboxError) -> Int64 {
        let request: JSONValue = [
            "process": ["cmd": "/bin/bash", "args": ["-c", .string(script)], "envs": .object(JSONObject(envs.mapValues(JSONValue.string)))],
            "tag": .string(tag),
            "stdin": false,
        ]
        let headers = envdHeaders(id, token: token, user: user) + [
            ("content-type", "application/connect+json"), ("connect-protocol-version", "1"), ("connect-timeout-ms", "\(timeoutMilliseconds)"),
        ]
        let answer = try await send(.POST, configuration.sandboxURL + "/process.Process/Start", headers: headers, body: ConnectFrames.encode(request.canonicalBytes), what: "starting a command in \(id)")
        guard answer.status == 200 else { throw envdFailure(answer, id: id, what: "starting a command") }
        for frame in ConnectFrames.decode(answer.body).frames {
            guard case .object(let message)? = try? JSONValue.parse(frame.payload) else { continue }
            if frame.flags & ConnectFrames.endStream != 0 {
                if case .object(let error)? = message["error"] {
                    throw .failed("envd refused the command: \(error["message"].map { "\($0)" } ?? "unknown error")", retryable: false)
                }
                continue
            }
            if case .object(let event)? = message["event"], case .object(let start)? = event["start"], case .int(let pid)? = start["pid"] {
                return pid
            }
        }
        throw .failed("envd's answer to starting a command had no start event", retryable: true)
    }

    /// `process.Process/List` (unary): the tags of the processes running in the sandbox.
    public func runningTags(in id: String, token: String?) async throws(SandboxError) -> Set<String> {
        let answer = try await send(
            .POST,
            configuration.sandboxURL + "/process.Process/List",
            headers: envdHeaders(id, token: token) + [("content-type", "application/json")],
            body: Array("{}".utf8),
            what: "listing the commands of \(id)"
        )
        guard answer.status == 200, case .object(let fields)? = try? JSONValue.parse(answer.body) else {
            throw envdFailure(answer, id: id, what: "listing commands")
        }
        guard case .array(let processes)? = fields["processes"] else { return [] }
        return Set(processes.compactMap { process in
            if case .object(let p) = process, case .string(let tag)? = p["tag"] { tag } else { nil }
        })
    }

    /// `GET /files?path=`: the file's bytes (at most `limit`), or `nil` if it does not exist.
    public func readFile(in id: String, token: String?, path: String, limit: Int, user: String = "user") async throws(SandboxError) -> [UInt8]? {
        let answer = try await send(
            .GET,
            configuration.sandboxURL + "/files?path=" + PercentEncoding.encode(path) + "&username=" + user,
            headers: envdHeaders(id, token: token, user: user),
            body: nil,
            limit: limit,
            what: "reading \(path) in \(id)"
        )
        if answer.status == 404 { return nil }
        guard answer.status == 200 else { throw envdFailure(answer, id: id, what: "reading \(path)") }
        return answer.body
    }

    /// `POST /files?path=` with the raw bytes (envd ≥ 0.5.7): creates or replaces the file,
    /// and its parent directories, as `user`.
    public func writeFile(in id: String, token: String?, path: String, bytes: [UInt8], user: String = "user") async throws(SandboxError) {
        let answer = try await send(
            .POST,
            configuration.sandboxURL + "/files?path=" + PercentEncoding.encode(path) + "&username=" + user,
            headers: envdHeaders(id, token: token, user: user) + [("content-type", "application/octet-stream")],
            body: bytes,
            what: "writing \(path) in \(id)"
        )
        guard answer.status == 200 || answer.status == 201 || answer.status == 204 else { throw envdFailure(answer, id: id, what: "writing \(path)") }
    }

    // MARK: Plumbing

    /// The headers of an envd call as `user` (`Authorization: Basic base64("user:")` selects the
    /// Unix user envd runs the call as).
    private func envdHeaders(_ id: String, token: String?, user: String = "user") -> [(String, String)] {
        var headers = [("e2b-sandbox-id", id), ("e2b-sandbox-port", Self.envdPort), ("authorization", "Basic " + Data("\(user):".utf8).base64EncodedString())]
        if let token { headers.append(("x-access-token", token)) }
        return headers
    }

    private func control(
        _ method: HTTPMethod,
        _ path: String,
        body: JSONValue? = nil,
        extraHeaders: [(String, String)] = [],
        what: String,
        timeoutSeconds: Int? = nil
    ) async throws(SandboxError) -> WorkerHTTP.Answer {
        guard let key = apiKey(), !key.isEmpty else {
            throw .failed(
                "the worker has no value for secret '\(E2BConfiguration.apiKeySecret)': set it in the worker's environment or its --secrets-file and restart it",
                retryable: false
            )
        }
        var headers = [("x-api-key", key)] + extraHeaders
        if body != nil { headers.append(("content-type", "application/json")) }
        return try await send(method, configuration.apiURL + path, headers: headers, body: body?.canonicalBytes, what: what, timeoutSeconds: timeoutSeconds)
    }

    private func send(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)],
        body: [UInt8]?,
        limit: Int = 8 << 20,
        what: String,
        timeoutSeconds: Int? = nil
    ) async throws(SandboxError) -> WorkerHTTP.Answer {
        let seconds = timeoutSeconds ?? configuration.requestTimeoutSeconds
        do {
            return try await WorkerHTTP.send(method, url, headers: headers, body: body, timeoutSeconds: seconds, limit: limit, client: http)
        } catch is WorkerHTTP.DeadlineExceeded {
            throw .failed("E2B did not answer \(what) within \(seconds) s", retryable: true)
        } catch {
            throw .failed("E2B could not be reached for \(what) (\(error))", retryable: true)
        }
    }

    /// The `error_code` of an E2B error body, if it has one.
    static func errorCode(_ body: [UInt8]) -> String? {
        guard case .object(let fields)? = try? JSONValue.parse(body), case .string(let code)? = fields["error_code"] else { return nil }
        return code
    }

    /// A control-plane answer that is not the success expected.
    static func failure(_ answer: WorkerHTTP.Answer, what: String) -> SandboxError {
        var message = String(decoding: answer.body.prefix(300), as: UTF8.self)
        if case .object(let fields)? = try? JSONValue.parse(answer.body), case .string(let text)? = fields["message"] {
            message = text
            if case .string(let code)? = fields["error_code"] { message += " (\(code))" }
        }
        let text = "E2B answered \(what) with HTTP \(answer.status): \(message)"
        switch answer.headers["should-retry"] {
        case "true": return .failed(text, retryable: true)
        case "false": return .failed(text, retryable: false)
        default: break
        }
        let retryable = answer.status == 409 || answer.status == 429 || answer.status >= 500
        let advice = answer.status == 401 ? " (check the worker's E2B_API_KEY)" : ""
        return .failed(text + advice, retryable: retryable)
    }

    /// An envd answer that is not the success expected: the proxy's 502 "sandbox was not found"
    /// means the sandbox is gone.
    private func envdFailure(_ answer: WorkerHTTP.Answer, id: String, what: String) -> SandboxError {
        let text = String(decoding: answer.body.prefix(300), as: UTF8.self)
        if answer.status == 502, text.contains("was not found") {
            return .gone(E2BSandboxProvider.sandboxID(id), reason: "E2B no longer has it (expired or killed)")
        }
        return Self.failure(answer, what: what)
    }

    static func sandbox(_ body: [UInt8]) -> Sandbox? {
        (try? JSONValue.parse(body)).flatMap(sandbox)
    }

    static func sandbox(_ json: JSONValue) -> Sandbox? {
        guard case .object(let fields) = json, case .string(let id)? = fields["sandboxID"] else { return nil }
        var metadata: [String: String] = [:]
        if case .object(let members)? = fields["metadata"] {
            for (key, value) in members {
                if case .string(let text) = value { metadata[key] = text }
            }
        }
        var state = ""
        if case .string(let value)? = fields["state"] { state = value }
        var token: String?
        if case .string(let value)? = fields["envdAccessToken"] { token = value }
        return Sandbox(id: id, state: state, metadata: metadata, envdAccessToken: token)
    }
}
