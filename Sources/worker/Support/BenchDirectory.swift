import ArgumentParser

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
}
