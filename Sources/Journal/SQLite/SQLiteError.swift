import CSQLite

/// An error reported by SQLite: the extended result code, SQLite's message, and the SQL that
/// failed, if any.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// SQLite's extended result code (e.g. `SQLITE_IOERR_FSYNC`).
    public let code: Int32
    /// SQLite's message.
    public let message: String
    /// The statement that failed.
    public let sql: String?

    /// Creates an error.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_FULL`, ...).
    public var primaryCode: Int32 { code & 0xFF }

    /// The database is locked by another connection.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    /// The disk is full.
    public var isFull: Bool { primaryCode == SQLITE_FULL }
    /// An I/O error (including a failed fsync): the journal must stop, never retry in place.
    public var isIOError: Bool { primaryCode == SQLITE_IOERR }
    /// The file is damaged or not a database.
    public var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB }
    /// A constraint or trigger refused the change.
    public var isConstraint: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// `SQLite error 10 (disk I/O error): ... [in: INSERT ...]`.
    public var description: String {
        let name = String(cString: sqlite3_errstr(code))
        let statement = sql.map { " [in: \($0.prefix(120))]" } ?? ""
        return "SQLite error \(code) (\(name)): \(message)\(statement)"
    }
}
