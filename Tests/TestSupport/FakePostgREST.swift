import Foundation
import RunStateMachine
import Synchronization

/// A loopback stand-in for the PostgREST subset a status sink uses (`external-apis.md` §3):
/// `GET` with filters and `select`, `PATCH` with filters (`eq`, `lt`) answering `200 [rows]`
/// with `Prefer: return=representation` (and `200 []` when nothing matched), `POST` with
/// `on_conflict` and `resolution=ignore-duplicates|merge-duplicates` (409 `23505` without one),
/// the `apikey` check, and injected 503s.
public final class FakePostgREST: Sendable {
    struct State {
        var tables: [String: [JSONObject]] = [:]
        var failNext = 0
        var requests: [String] = []
    }

    /// The key it accepts.
    public let apiKey: String
    private let state = Mutex(State())

    /// A fake with empty tables accepting `apiKey`.
    public init(apiKey: String) {
        self.apiKey = apiKey
    }

    /// Serves on a new loopback server.
    public func serve() async throws -> LoopbackHTTPServer {
        try await LoopbackHTTPServer.start { [self] request in handle(request) }
    }

    /// Makes the next `count` requests fail with 503 (the database is down).
    public func failNext(_ count: Int) {
        state.withLock { $0.failNext = count }
    }

    /// The rows of `table`.
    public func rows(_ table: String) -> [JSONObject] {
        state.withLock { $0.tables[table] ?? [] }
    }

    /// `METHOD uri` of every request.
    public var requests: [String] { state.withLock { $0.requests } }

    /// Answers one request.
    public func handle(_ request: LoopbackRequest) -> LoopbackResponse {
        state.withLock { $0.requests.append("\(request.method) \(request.uri)") }
        guard request.headers["apikey"] == apiKey, request.headers["authorization"] == "Bearer \(apiKey)" else {
            return Self.json(401, ["message": "Invalid API key"])
        }
        if state.withLock({ state -> Bool in
            guard state.failNext > 0 else { return false }
            state.failNext -= 1
            return true
        }) {
            return Self.json(503, ["code": "PGRST000", "message": "Could not connect with the database"])
        }
        let (path, query) = (request.path, request.query)
        let table = String(path.split(separator: "/").last ?? "")
        let filters = query.filter { !["select", "on_conflict"].contains($0.key) }
        let prefer = request.headers["prefer"] ?? ""
        switch request.method {
        case "GET":
            let rows = state.withLock { ($0.tables[table] ?? []).filter { Self.matches($0, filters) } }
            let columns = query["select"].map { $0.split(separator: ",").map(String.init) }
            return Self.json(200, .array(rows.map { row in
                guard let columns else { return .object(row) }
                return .object(JSONObject(pairs: columns.compactMap { column in row[column].map { (column, $0) } }))
            }))
        case "PATCH":
            guard case .object(let changes)? = try? JSONValue.parse(request.body) else { return Self.json(400, ["message": "bad body"]) }
            let updated = state.withLock { state -> [JSONObject] in
                var rows = state.tables[table] ?? []
                var updated: [JSONObject] = []
                for index in rows.indices where Self.matches(rows[index], filters) {
                    for (key, value) in changes { rows[index][key] = value }
                    updated.append(rows[index])
                }
                state.tables[table] = rows
                return updated
            }
            return prefer.contains("return=representation") ? Self.json(200, .array(updated.map(JSONValue.object))) : LoopbackResponse(status: 204)
        case "POST":
            guard case .array(let items)? = try? JSONValue.parse(request.body) else { return Self.json(400, ["message": "bad body"]) }
            let keys = (query["on_conflict"] ?? "id").split(separator: ",").map(String.init)
            let outcome = state.withLock { state -> Int in
                var rows = state.tables[table] ?? []
                var inserted = false
                for case .object(let item) in items {
                    if let index = rows.firstIndex(where: { row in keys.allSatisfy { row[$0] == item[$0] } }) {
                        if prefer.contains("resolution=ignore-duplicates") { continue }
                        if prefer.contains("resolution=merge-duplicates") {
                            for (key, value) in item { rows[index][key] = value }
                            continue
                        }
                        return 409
                    }
                    rows.append(item)
                    inserted = true
                }
                state.tables[table] = rows
                return inserted ? 201 : 200
            }
            if outcome == 409 { return Self.json(409, ["code": "23505", "message": "duplicate key value violates unique constraint"]) }
            return LoopbackResponse(status: outcome)
        default:
            return Self.json(405, ["message": "method not allowed"])
        }
    }

    /// Whether `row` passes every `column=op.value` filter (`eq`, `lt` on integers or strings).
    static func matches(_ row: JSONObject, _ filters: [String: String]) -> Bool {
        filters.allSatisfy { column, condition in
            let parts = condition.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = row[column] else { return false }
            switch (parts[0], value) {
            case ("eq", .string(let text)): return text == parts[1]
            case ("eq", .int(let n)): return Int64(parts[1]) == n
            case ("lt", .int(let n)): return Int64(parts[1]).map { n < $0 } ?? false
            default: return false
            }
        }
    }

    private static func json(_ status: Int, _ value: JSONValue) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: ["content-type": "application/json"], body: value.canonicalBytes)
    }
}
