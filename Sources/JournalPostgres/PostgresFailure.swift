import Journal
import PostgresNIO

/// Translates what postgres-nio throws into the ``JournalError`` a caller can act on, naming the
/// database by its redacted URL (never its password).
enum PostgresFailure {
    /// The journal error for `error`, raised while talking to the database at `location`.
    static func journalError(_ error: any Error, at location: PostgresLocation, fileID: String = #fileID, line: Int = #line) -> JournalError {
        if let error = error as? JournalError { return error }
        let place = "PostgreSQL at \(location.redacted)"
        if let closed = error as? DatabaseSession.Closed {
            return JournalError(.unavailable, "lost \(place): \(closed); an operation in flight may or may not have committed", fileID: fileID, line: line)
        }
        guard let error = error as? PSQLError else {
            return JournalError(.unavailable, "cannot reach \(place): \(describe(error)); is the server running and the URL right?", fileID: fileID, line: line)
        }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "an error"
            let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
            let text = "\(place) says: \(message)\(detail) [SQLSTATE \(state)]"
            switch state {
            case "53100": return JournalError(.diskFull, "\(text); nothing was written (free space, then retry)", fileID: fileID, line: line)
            case "3D000": return JournalError(.notFound, "\(text); create the database first (createdb), or fix the URL", fileID: fileID, line: line)
            case let state where state.hasPrefix("28"):
                // Not `unavailable`: a worker would try the same credentials for ever. The
                // password is read once, at start; a restart reads the current one.
                return JournalError(
                    .refused,
                    "\(text); check the user and password (the URL, the secrets file, PGPASSWORD), and restart workers after rotating it",
                    fileID: fileID,
                    line: line
                )
            case let state where state.hasPrefix("57P") || state.hasPrefix("08"):
                return JournalError(.unavailable, "\(text); the server is shutting down or restarting: retry", fileID: fileID, line: line)
            case "XX001", "XX002": return JournalError(.corrupt, "\(text); the database is damaged: restore it from a backup", fileID: fileID, line: line)
            default: return JournalError(.storage, text, fileID: fileID, line: line)
            }
        case .connectionError:
            let underlying = error.underlying.map { ": \(describe($0))" } ?? ""
            return JournalError(.unavailable, "cannot reach \(place)\(underlying); is the server running and the URL right?", fileID: fileID, line: line)
        case .sslUnsupported:
            return JournalError(.unavailable, "\(place) does not offer TLS, which sslmode asks for", fileID: fileID, line: line)
        default:
            let underlying = error.underlying.map { ": \(describe($0))" } ?? ""
            return JournalError(
                .unavailable,
                "lost \(place) (\(error.code))\(underlying); an operation in flight may or may not have committed",
                fileID: fileID,
                line: line
            )
        }
    }

    /// Whether a connection that threw `error` can be used again: only after the server refused
    /// a statement with an ordinary `ERROR`. After a `FATAL` or `PANIC` (the server terminating
    /// the session, as every session is told when it shuts down), a connection-class state, or
    /// any error of the connection itself, the connection is dropped: a statement sent on it may
    /// never be answered.
    static func leavesConnectionUsable(_ error: any Error, session: DatabaseSession) -> Bool {
        guard let error = error as? PSQLError, error.code == .server, !session.isClosed else { return false }
        guard error.serverInfo?[.severity] == "ERROR" else { return false }
        let state = error.serverInfo?[.sqlState] ?? ""
        return !state.hasPrefix("57P") && !state.hasPrefix("08")
    }

    /// A description of a non-PostgreSQL error (a refused connection, a TLS failure).
    private static func describe(_ error: any Error) -> String {
        String(describing: error)
    }
}
