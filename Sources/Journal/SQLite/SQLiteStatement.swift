import CSQLite

/// A prepared statement. Parameters are 1-based, columns 0-based, as in SQLite's C API.
package final class SQLiteStatement {
    private let pointer: OpaquePointer
    let sql: String
    private unowned let connection: SQLiteConnection

    init(_ pointer: OpaquePointer, sql: String, connection: SQLiteConnection) {
        self.pointer = pointer
        self.sql = sql
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(pointer)
    }

    /// Clears bindings and resets the statement for another use.
    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(pointer, index, value)
    }

    func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(pointer, index, Int64(value))
    }

    func bind(_ index: Int32, _ value: Int64?) {
        guard let value else {
            sqlite3_bind_null(pointer, index)
            return
        }
        sqlite3_bind_int64(pointer, index, value)
    }

    func bind(_ index: Int32, _ value: String?) {
        guard let value else {
            sqlite3_bind_null(pointer, index)
            return
        }
        sqlite3_bind_text(pointer, index, value, -1, runlog_sqlite_transient)
    }

    /// Binds UTF-8 bytes as text (`nil` binds NULL).
    func bind(text index: Int32, _ bytes: [UInt8]?) {
        guard let bytes else {
            sqlite3_bind_null(pointer, index)
            return
        }
        bytes.withUnsafeBufferPointer { buffer in
            // An empty buffer may have a nil base address; SQLite needs a non-null pointer for ''.
            let base = buffer.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(bitPattern: 1)!
            _ = sqlite3_bind_text(pointer, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), runlog_sqlite_transient)
        }
    }

    package func bind(blob index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            _ = sqlite3_bind_blob(pointer, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(buffer.count), runlog_sqlite_transient)
        }
    }

    /// Advances to the next row; `false` when done.
    @discardableResult
    package func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(pointer) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.lastError(sql: sql)
            sqlite3_reset(pointer)
            throw error
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    package func run() throws(SQLiteError) {
        defer { reset() }
        try step()
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(pointer, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(pointer, column)
    }

    package func int(_ column: Int32) -> Int {
        Int(sqlite3_column_int64(pointer, column))
    }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(pointer, column) else { return "" }
        return String(cString: bytes)
    }

    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    func optionalText(_ column: Int32) -> String? {
        isNull(column) ? nil : text(column)
    }

    /// The column's bytes as a buffer valid until the next step or reset; `nil` for NULL.
    func rawBytes(_ column: Int32) -> UnsafeRawBufferPointer? {
        if isNull(column) { return nil }
        let base = sqlite3_column_blob(pointer, column)
        let count = Int(sqlite3_column_bytes(pointer, column))
        return UnsafeRawBufferPointer(start: base ?? UnsafeRawPointer(bitPattern: 1), count: count)
    }

    func bytes(_ column: Int32) -> [UInt8] {
        rawBytes(column).map { Array($0) } ?? []
    }

    func optionalBytes(_ column: Int32) -> [UInt8]? {
        rawBytes(column).map { Array($0) }
    }
}
