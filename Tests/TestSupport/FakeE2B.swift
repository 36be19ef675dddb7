import Foundation
import RunStateMachine
import Synchronization

/// A loopback stand-in for E2B speaking its recorded wire format (`external-apis.md` §1): the
/// control plane (v2 create with `Idempotency-Key`, list by metadata with paging, get, kill,
/// timeout, TTL expiry) and, behind the sandbox proxy's headers, the envd subset a worker uses
/// (`process.Process/Start` as a Connect stream, `process.Process/List`, `GET` and `POST /files`,
/// the user chosen by `Authorization: Basic`; `/root` is the directory's `.root`). Its
/// sandboxes are directories on this machine and its processes real ones (a session each), so
/// commands run, outlive the stream that started them, and die with their sandbox.
public final class FakeE2B: Sendable {
    /// A fault to inject into the next matching control-plane request.
    public enum Fault: Sendable {
        /// Answer with this status (and headers) without doing anything.
        case reject(status: Int, headers: [String: String])
        /// Do the work, then answer 504 (a create whose outcome the client cannot know).
        case doThen504
    }

    struct Sandbox {
        var id: String
        var metadata: [String: String]
        var token: String
        var directory: String
        var endAt: Date
        var alive = true
        var processes: [(tag: String, process: Process)] = []
    }

    struct State {
        var sandboxes: [String: Sandbox] = [:]
        var idempotency: [String: (body: [UInt8], id: String)] = [:]
        var faults: [(route: String, fault: Fault)] = []
        var counter = 0
        var requests: [String] = []
        var beforeList: (@Sendable (_ home: String) -> Void)?
    }

    /// The key it accepts.
    public let apiKey: String
    private let root: TemporaryDirectory
    private let state = Mutex(State())

    /// A fake accepting `apiKey`.
    public init(apiKey: String) {
        self.apiKey = apiKey
        root = TemporaryDirectory()
        chmod(root.path, 0o755)
    }

    /// Serves on a new loopback server.
    public func serve() async throws -> LoopbackHTTPServer {
        try await LoopbackHTTPServer.start { [self] request in handle(request) }
    }

    /// Makes the next request whose `METHOD path` starts with `route` fail with `fault`.
    public func inject(_ route: String, _ fault: Fault) {
        state.withLock { $0.faults.append((route, fault)) }
    }

    /// Calls `body` with the sandbox's home directory before each `process.Process/List` is
    /// answered: a test's way to have a command end exactly between two of a client's requests.
    public func beforeProcessList(_ body: @escaping @Sendable (_ home: String) -> Void) {
        state.withLock { $0.beforeList = body }
    }

    /// `METHOD path` of every request received.
    public var requests: [String] { state.withLock { $0.requests } }

    /// The ids of the sandboxes alive now.
    public var alive: [String] {
        expire()
        return state.withLock { $0.sandboxes.values.filter(\.alive).map(\.id).sorted() }
    }

    /// Ends a sandbox behind the worker's back (E2B lost it).
    public func vanish(_ id: String) {
        state.withLock { state in
            if var sandbox = state.sandboxes[id] { Self.end(&sandbox); state.sandboxes[id] = sandbox }
        }
    }

    /// The host directory standing for sandbox `id`'s `/home/user`.
    public func home(of id: String) -> String? { state.withLock { $0.sandboxes[id]?.directory } }

    private static func end(_ sandbox: inout Sandbox) {
        sandbox.alive = false
        for (_, process) in sandbox.processes where process.isRunning {
            kill(-process.processIdentifier, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: sandbox.directory)
    }

    private func expire() {
        let now = Date()
        state.withLock { state in
            for (id, sandbox) in state.sandboxes where sandbox.alive && sandbox.endAt <= now {
                var ended = sandbox
                Self.end(&ended)
                state.sandboxes[id] = ended
            }
        }
    }

    /// Answers one request.
    public func handle(_ request: LoopbackRequest) -> LoopbackResponse {
        expire()
        let (path, query) = (request.path, request.query)
        state.withLock { $0.requests.append("\(request.method) \(path)") }
        if let sandbox = request.headers["e2b-sandbox-id"] {
            return envd(request, sandbox: sandbox, path: path, query: query)
        }
        guard request.headers["x-api-key"] == apiKey else {
            return Self.json(401, ["code": 401, "message": "Invalid API key"])
        }
        let fault = state.withLock { state -> Fault? in
            guard let index = state.faults.firstIndex(where: { "\(request.method) \(path)".hasPrefix($0.route) }) else { return nil }
            return state.faults.remove(at: index).fault
        }
        if case .reject(let status, let headers)? = fault {
            var response = Self.json(status, ["code": .int(Int64(status)), "message": "injected failure"])
            response.headers.merge(headers) { $1 }
            return response
        }
        let parts = path.split(separator: "/").map(String.init)
        var response: LoopbackResponse
        switch (request.method, parts.count, parts.first) {
        case ("POST", 2, "v2") where parts[1] == "sandboxes":
            response = create(request)
        case ("POST", 1, "sandboxes"):
            var v1 = request
            v1.headers["idempotency-key"] = nil
            response = create(v1)
        case ("GET", 2, "v2") where parts[1] == "sandboxes":
            response = list(query)
        case ("GET", 2, "sandboxes"):
            response = withSandbox(parts[1]) { Self.json(200, Self.describe($0, token: true)) }
        case ("DELETE", 2, "sandboxes"):
            response = state.withLock { state in
                guard var sandbox = state.sandboxes[parts[1]], sandbox.alive else { return Self.notFound(parts[1]) }
                Self.end(&sandbox)
                state.sandboxes[parts[1]] = sandbox
                return LoopbackResponse(status: 204)
            }
        case ("POST", 3, "sandboxes") where parts[2] == "timeout":
            let seconds: Int64
            if case .object(let fields)? = try? JSONValue.parse(request.body), case .int(let value)? = fields["timeout"] { seconds = value } else { seconds = 15 }
            response = state.withLock { state in
                guard state.sandboxes[parts[1]]?.alive == true else { return Self.notFound(parts[1]) }
                state.sandboxes[parts[1]]?.endAt = Date().addingTimeInterval(TimeInterval(seconds))
                return LoopbackResponse(status: 204)
            }
        default:
            response = Self.json(404, ["code": 404, "message": .string("no route \(request.method) \(path)")])
        }
        if case .doThen504? = fault {
            response = Self.json(504, ["code": 504, "message": "upstream timed out"])
        }
        return response
    }

    private func create(_ request: LoopbackRequest) -> LoopbackResponse {
        guard case .object(let body)? = try? JSONValue.parse(request.body), case .string? = body["templateID"] else {
            return Self.json(400, ["code": 400, "message": "templateID is required"])
        }
        var timeout: Int64 = 15
        if case .int(let value)? = body["timeout"] { timeout = value }
        var metadata: [String: String] = [:]
        if case .object(let members)? = body["metadata"] {
            for (key, value) in members { if case .string(let text) = value { metadata[key] = text } }
        }
        let key = request.headers["idempotency-key"]
        return state.withLock { state -> LoopbackResponse in
            if let key, let earlier = state.idempotency[key] {
                guard earlier.body == request.body else {
                    return Self.json(422, ["code": 422, "message": "the idempotency key was used with another request", "error_code": "idempotency_request_mismatch"])
                }
                return Self.json(201, Self.describe(state.sandboxes[earlier.id]!, token: true))
            }
            state.counter += 1
            let id = "ifake\(state.counter)x\(Int.random(in: 1000...9999))"
            let directory = root.file(id)
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let sandbox = Sandbox(id: id, metadata: metadata, token: "envd-\(id)", directory: directory, endAt: Date().addingTimeInterval(TimeInterval(timeout)))
            state.sandboxes[id] = sandbox
            if let key { state.idempotency[key] = (request.body, id) }
            return Self.json(201, Self.describe(sandbox, token: true))
        }
    }

    private func list(_ query: [String: String]) -> LoopbackResponse {
        // The metadata value is decoded once more, then split into k=v pairs (exact AND match).
        let filter = (query["metadata"] ?? "").removingPercentEncoding ?? ""
        var wanted: [String: String] = [:]
        for pair in filter.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if kv.count == 2 { wanted[kv[0]] = kv[1] }
        }
        let limit = Int(query["limit"] ?? "") ?? 100
        let offset = Int(query["nextToken"] ?? "") ?? 0
        let matching = state.withLock { state in
            state.sandboxes.values.filter { sandbox in sandbox.alive && wanted.allSatisfy { sandbox.metadata[$0.key] == $0.value } }.sorted { $0.id < $1.id }
        }
        let page = Array(matching.dropFirst(offset).prefix(limit))
        var response = Self.json(200, .array(page.map { Self.describe($0, token: false) }))
        if offset + page.count < matching.count { response.headers["x-next-token"] = "\(offset + page.count)" }
        return response
    }

    private func envd(_ request: LoopbackRequest, sandbox id: String, path: String, query: [String: String]) -> LoopbackResponse {
        guard let sandbox = state.withLock({ $0.sandboxes[id] }), sandbox.alive else {
            return Self.json(502, ["sandboxId": .string(id), "message": "The sandbox was not found", "code": 502])
        }
        guard request.headers["x-access-token"] == sandbox.token else {
            return Self.json(401, ["code": 401, "message": "invalid access token"])
        }
        switch (request.method, path) {
        case ("POST", "/process.Process/Start"):
            return start(request, in: sandbox)
        case ("POST", "/process.Process/List"):
            state.withLock { $0.beforeList }?(sandbox.directory)
            let running = state.withLock { $0.sandboxes[id]?.processes.filter { $0.process.isRunning } ?? [] }
            let list: [JSONValue] = running.map { ["pid": .int(Int64($0.process.processIdentifier)), "tag": .string($0.tag), "config": ["cmd": "/bin/bash"]] }
            return Self.json(200, ["processes": .array(list)])
        case ("POST", "/files"):
            guard let file = query["path"].flatMap({ translate($0, home: sandbox.directory) }) else {
                return Self.json(400, ["code": 400, "message": "path must be under /home/user or /root"])
            }
            try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: file, contents: Data(request.body)) else {
                return Self.json(507, ["code": 507, "message": "cannot write"])
            }
            return Self.json(200, [["path": .string(query["path"] ?? ""), "name": .string((file as NSString).lastPathComponent), "type": "file"]])
        case ("GET", "/files"):
            guard let file = query["path"].flatMap({ translate($0, home: sandbox.directory) }) else {
                return Self.json(400, ["code": 400, "message": "path must be under /home/user or /root"])
            }
            guard let data = FileManager.default.contents(atPath: file) else {
                return Self.json(404, ["code": 404, "message": .string("path '\(query["path"] ?? "")' does not exist")])
            }
            return LoopbackResponse(status: 200, headers: ["content-type": "application/octet-stream"], body: Array(data))
        default:
            return Self.json(404, ["code": 404, "message": "no route"])
        }
    }

    /// The host path standing for `path` in the sandbox whose directory is `home`: `/home/user`
    /// is the directory itself, `/root` its `.root`.
    private func translate(_ path: String, home: String) -> String? {
        guard !path.contains("/../") else { return nil }
        if path == "/home/user" || path.hasPrefix("/home/user/") { return home + path.dropFirst("/home/user".count) }
        if path == "/root" || path.hasPrefix("/root/") { return home + "/.root" + path.dropFirst("/root".count) }
        return nil
    }

    /// The Unix user an envd call is made as (`Authorization: Basic base64("user:")`).
    private static func user(_ request: LoopbackRequest) -> String {
        guard let value = request.headers["authorization"], value.hasPrefix("Basic "),
            let data = Data(base64Encoded: String(value.dropFirst(6))),
            let text = String(data: data, encoding: .utf8), let name = text.split(separator: ":").first
        else { return "user" }
        return String(name)
    }

    private func start(_ request: LoopbackRequest, in sandbox: Sandbox) -> LoopbackResponse {
        let frames = Self.frames(request.body)
        guard let first = frames.first, case .object(let message)? = try? JSONValue.parse(first),
            case .object(let config)? = message["process"], case .string(let cmd)? = config["cmd"]
        else { return Self.json(400, ["code": "invalid_argument", "message": "bad request"]) }
        var args: [String] = []
        if case .array(let list)? = config["args"] { args = list.compactMap { if case .string(let s) = $0 { s } else { nil } } }
        let user = Self.user(request)
        let home = user == "root" ? sandbox.directory + "/.root" : sandbox.directory
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        var environment = ["HOME": home, "PATH": "/usr/local/bin:/usr/bin:/bin", "USER": user]
        if case .object(let envs)? = config["envs"] {
            for (key, value) in envs { if case .string(let text) = value { environment[key] = text } }
        }
        var tag = ""
        if case .string(let value)? = message["tag"] { tag = value }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = [cmd] + args
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: home)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            return Self.json(500, ["code": "internal", "message": .string("cannot start: \(error)")])
        }
        state.withLock { $0.sandboxes[sandbox.id]?.processes.append((tag, process)) }
        // envd kills the process when the Start call's Connect-Timeout-Ms elapses.
        if let ms = request.headers["connect-timeout-ms"].flatMap(Int.init), ms > 0 {
            let pid = process.processIdentifier
            Task.detached {
                try? await Task.sleep(for: .milliseconds(ms))
                kill(-pid, SIGKILL)
            }
        }
        let start: JSONValue = ["event": ["start": ["pid": .int(Int64(process.processIdentifier))]]]
        let body = Self.frame(start.canonicalBytes, flags: 0) + Self.frame(Array("{}".utf8), flags: 2)
        return LoopbackResponse(status: 200, headers: ["content-type": "application/connect+json"], body: body)
    }

    private static func frame(_ payload: [UInt8], flags: UInt8) -> [UInt8] {
        let n = UInt32(payload.count)
        return [flags, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
    }

    private static func frames(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var index = 0
        while index + 5 <= bytes.count {
            let n = Int(bytes[index + 1]) << 24 | Int(bytes[index + 2]) << 16 | Int(bytes[index + 3]) << 8 | Int(bytes[index + 4])
            guard index + 5 + n <= bytes.count else { break }
            out.append(Array(bytes[index + 5..<index + 5 + n]))
            index += 5 + n
        }
        return out
    }

    private func withSandbox(_ id: String, _ body: (Sandbox) -> LoopbackResponse) -> LoopbackResponse {
        guard let sandbox = state.withLock({ $0.sandboxes[id] }), sandbox.alive else { return Self.notFound(id) }
        return body(sandbox)
    }

    private static func describe(_ sandbox: Sandbox, token: Bool) -> JSONValue {
        var fields: JSONObject = [
            "sandboxID": .string(sandbox.id),
            "templateID": "base",
            "state": "running",
            "metadata": .object(JSONObject(sandbox.metadata.mapValues(JSONValue.string))),
            "envdVersion": "0.6.4",
        ]
        if token { fields["envdAccessToken"] = .string(sandbox.token) }
        return .object(fields)
    }

    private static func notFound(_ id: String) -> LoopbackResponse {
        json(404, ["code": 404, "message": .string("Sandbox \"\(id)\" doesn't exist or you don't have access to it")])
    }

    private static func json(_ status: Int, _ value: JSONValue) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: ["content-type": "application/json"], body: value.canonicalBytes)
    }
}
