import NIOHTTP1
import RunStateMachine
import SystemSupport

/// Reports run status to a PostgREST table (Supabase's REST API), guarded by a sequence column
/// (`external-apis.md` §3):
///
/// - `PATCH <table>?run_id=eq.R&seq=lt.N` with `Prefer: return=representation`: the row changes
///   only if it holds an older update; `200 []` means stale or missing, never silently "done";
/// - a missing row is inserted once (`on_conflict=run_id`, `resolution=ignore-duplicates`), then
///   patched again; a row that already has `seq ≥ N` means the update is stale: delivered;
/// - with an events table, every update is also appended once, keyed `(run_id, seq)`.
///
/// The table needs columns `run_id` (unique), `seq`, `status`, `state`, `detail`, `updated_at`.
public struct PostgRESTSink: StatusSink {
    /// The name of the worker secret that holds the API key.
    public static let apiKeySecret = "POSTGREST_API_KEY"
    /// The REST base URL, e.g. `https://<project>.supabase.co/rest/v1`.
    public let baseURL: String
    /// The runs table.
    public let table: String
    /// The events table, if updates are also appended.
    public let eventsTable: String?
    private let apiKey: @Sendable () -> String?
    private let timeoutSeconds: Int

    /// The sink's name.
    public var name: String { "postgrest" }

    /// A sink writing `table` (and `eventsTable`) at `baseURL`, authenticated with `apiKey`'s value
    /// as `apikey` and bearer token.
    public init(baseURL: String, table: String, eventsTable: String? = nil, timeoutSeconds: Int = 30, apiKey: @escaping @Sendable () -> String?) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.table = table
        self.eventsTable = eventsTable
        self.timeoutSeconds = timeoutSeconds
        self.apiKey = apiKey
    }

    /// Delivers the update: guarded patch, insert-once if missing, event appended once.
    public func deliver(_ update: StatusUpdate) async throws(StatusSinkError) {
        if let eventsTable {
            let answer = try await send(
                .POST,
                "/\(eventsTable)?on_conflict=run_id,seq",
                body: .array([update.json]),
                prefer: "resolution=ignore-duplicates, return=minimal"
            )
            guard (200..<300).contains(answer.status) else { throw failure(answer, "appending the event") }
        }
        let row = update.json
        for _ in 0..<2 {
            let patched = try await send(.PATCH, "/\(table)?run_id=eq.\(PercentEncoding.encode(update.runID))&seq=lt.\(update.seq)", body: row, prefer: "return=representation")
            guard patched.status == 200 else { throw failure(patched, "updating the run's row") }
            if case .array(let rows)? = try? JSONValue.parse(patched.body), !rows.isEmpty { return }
            // Nothing matched: the row holds this update or a newer one, or there is no row.
            let read = try await send(.GET, "/\(table)?run_id=eq.\(PercentEncoding.encode(update.runID))&select=seq", body: nil, prefer: nil)
            guard read.status == 200, case .array(let rows)? = try? JSONValue.parse(read.body) else { throw failure(read, "reading the run's row") }
            if !rows.isEmpty { return }
            let inserted = try await send(.POST, "/\(table)?on_conflict=run_id", body: .array([row]), prefer: "resolution=ignore-duplicates, return=minimal")
            guard (200..<300).contains(inserted.status) else { throw failure(inserted, "inserting the run's row") }
            // Inserted (or someone else inserted first): patch again to be sure it holds ours.
        }
    }

    private func send(_ method: HTTPMethod, _ path: String, body: JSONValue?, prefer: String?) async throws(StatusSinkError) -> WorkerHTTP.Answer {
        guard let key = apiKey(), !key.isEmpty else {
            throw StatusSinkError("the worker has no value for secret '\(Self.apiKeySecret)': set it in the worker's environment or its --secrets-file", retryable: false)
        }
        var headers = [("apikey", key), ("authorization", "Bearer \(key)")]
        if body != nil { headers.append(("content-type", "application/json")) }
        if let prefer { headers.append(("prefer", prefer)) }
        do {
            return try await WorkerHTTP.send(method, baseURL + path, headers: headers, body: body?.canonicalBytes, timeoutSeconds: timeoutSeconds)
        } catch {
            throw StatusSinkError("PostgREST could not be reached (\(error))", retryable: true)
        }
    }

    private func failure(_ answer: WorkerHTTP.Answer, _ what: String) -> StatusSinkError {
        var message = String(decoding: answer.body.prefix(300), as: UTF8.self)
        if case .object(let fields)? = try? JSONValue.parse(answer.body), case .string(let text)? = fields["message"] {
            message = text
            if case .string(let code)? = fields["code"] { message = "\(code) \(text)" }
        }
        let retryable = answer.status == 408 || answer.status == 429 || answer.status >= 500
        return StatusSinkError("PostgREST answered \(what) with HTTP \(answer.status): \(message)", retryable: retryable)
    }
}
