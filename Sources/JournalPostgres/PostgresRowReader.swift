import Journal
import NIOCore
import PostgresNIO
import RunStateMachine

/// Reads a result row's columns from their binary encodings: `int8`, `bool`, `text` and `bytea`,
/// the only types the journal's queries return (they cast where PostgreSQL would choose another).
/// A column of another shape is a damaged row, reported as ``JournalError/Code/corrupt``.
struct PostgresRowReader {
    private let cells: [ByteBuffer?]

    init(_ row: PostgresRow) {
        cells = row.map(\.bytes)
    }

    /// The number of columns.
    var count: Int { cells.count }

    func isNull(_ column: Int) -> Bool { cells[column] == nil }

    func int64(_ column: Int) throws(JournalError) -> Int64 {
        guard let value = optionalInt64(column) else { throw Self.damaged(column, "is NULL") }
        return value
    }

    func optionalInt64(_ column: Int) -> Int64? {
        guard let cell = cells[column], cell.readableBytes == 8 else { return nil }
        return cell.getInteger(at: cell.readerIndex, as: Int64.self)
    }

    func int(_ column: Int) throws(JournalError) -> Int {
        Int(try int64(column))
    }

    func bool(_ column: Int) throws(JournalError) -> Bool {
        guard let cell = cells[column], cell.readableBytes == 1, let byte = cell.getInteger(at: cell.readerIndex, as: UInt8.self) else {
            throw Self.damaged(column, "is not a boolean")
        }
        return byte != 0
    }

    func bytes(_ column: Int) throws(JournalError) -> [UInt8] {
        guard let value = optionalBytes(column) else { throw Self.damaged(column, "is NULL") }
        return value
    }

    func optionalBytes(_ column: Int) -> [UInt8]? {
        guard let cell = cells[column] else { return nil }
        return cell.getBytes(at: cell.readerIndex, length: cell.readableBytes) ?? []
    }

    func text(_ column: Int) throws(JournalError) -> String {
        String(decoding: try bytes(column), as: UTF8.self)
    }

    func optionalText(_ column: Int) -> String? {
        optionalBytes(column).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func damaged(_ column: Int, _ problem: String) -> JournalError {
        JournalError(.corrupt, "column \(column + 1) of a journal row \(problem); run 'worker verify'")
    }
}
