import ArgumentParser
import Benchmarks
import JournalPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scratch directory for a benchmark's files, on the file system the figures are about.
enum BenchDirectory {
    /// Creates `<dir or the directory of db>/.runlog-bench-<pid>`, runs `body` with it, and removes it.
    static func with<Value>(dir: String?, db: String, _ body: (String) async throws -> Value) async throws -> Value {
        let base = dir ?? db.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let directory = "\(base.isEmpty ? "." : base)/.runlog-bench-\(getpid())"
        guard mkdir(directory, 0o755) == 0 else {
            throw ValidationError("cannot create \(directory) (is --dir writable?)")
        }
        defer { rmdir(directory) }
        return try await body(directory)
    }

    /// The store a benchmark measures: schemas of the PostgreSQL database `db` names, else
    /// SQLite files in a scratch directory as ``with(dir:db:_:)`` makes it.
    static func withStore<Value>(dir: String?, db: String, _ body: (BenchStore) async throws -> Value) async throws -> Value {
        if PostgresLocation.isURL(db) {
            return try await body(.postgres(try PostgresLocation(url: db), process: getpid()))
        }
        return try await with(dir: dir, db: db) { directory in try await body(.sqlite(directory: directory)) }
    }
}
