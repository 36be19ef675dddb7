import CSQLite

/// One SQLite connection, used by one thread at a time (it is opened in multi-thread mode).
///
/// The journal owns transactions and durability itself, so this wrapper is deliberately thin:
/// open, execute, prepare (with a statement cache), and read pragmas.
///
/// - Important: It is `@unchecked Sendable` so it can be handed to the thread that uses it;
///   every connection has exactly one user at a time: the writer thread owns the writer
///   connection, and the reader connection is only used inside its `Mutex`.
package final class SQLiteConnection: @unchecked Sendable {
    private(set) var handle: OpaquePointer?
    let path: String
    private var cache: [UnsafeRawPointer: SQLiteStatement] = [:]
    private var cacheByText: [String: SQLiteStatement] = [:]

    /// Opens (and, unless `readOnly`, creates) the database at `path`.
    package init(path: String, readOnly: Bool) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw SQLiteError(code: status, message: message)
        }
        handle = db
    }

    deinit {
        close()
    }

    /// Finalizes cached statements and closes the connection.
    package func close() {
        cache.removeAll()
        cacheByText.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    func lastError(sql: String? = nil) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements that return no rows.
    package func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// A prepared statement for the literal `sql`, reused across calls (the cache is keyed by
    /// the literal's address, so a lookup does not hash the SQL text).
    package func statement(_ sql: StaticString) throws(SQLiteError) -> SQLiteStatement {
        let key = UnsafeRawPointer(sql.utf8Start)
        if let cached = cache[key] {
            return cached
        }
        let prepared = try prepare(sql.description, persistent: true)
        cache[key] = prepared
        return prepared
    }

    /// A prepared statement for `sql`, a query built once from constants (its text is the cache
    /// key), reused across calls. Reset it after use.
    func statement(built sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = cacheByText[sql] {
            return cached
        }
        let prepared = try prepare(sql, persistent: true)
        cacheByText[sql] = prepared
        return prepared
    }

    /// A new prepared statement for `sql`.
    package func prepare(_ sql: String, persistent: Bool = false) throws(SQLiteError) -> SQLiteStatement {
        var pointer: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        guard sqlite3_prepare_v3(handle, sql, -1, flags, &pointer, nil) == SQLITE_OK, let pointer else {
            throw lastError(sql: sql)
        }
        return SQLiteStatement(pointer, sql: sql, connection: self)
    }

    /// The first column of the first row of `sql` as text (for pragmas and small queries).
    func scalarText(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.optionalText(0)
    }

    /// The first column of the first row of `sql` as an integer.
    func scalarInt(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// The row id of the last inserted row.
    var lastInsertRowID: Int64 {
        sqlite3_last_insert_rowid(handle)
    }

    /// Rows changed by the last statement.
    var changes: Int64 {
        sqlite3_changes64(handle)
    }

    /// Whether a transaction is open.
    var inTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }
}
