#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock that makes one worker process the owner of a database: an exclusive `flock` on
/// `<db>.lock` (a separate file, because closing any descriptor of the database file itself
/// would drop SQLite's own POSIX locks). The kernel releases it when the process dies, even by
/// SIGKILL, so a restarted worker takes it at once.
final class LockFile: Sendable {
    private let descriptor: Int32

    /// Takes the lock at `path`, writing this process's pid into the file.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/locked`` naming the owner's pid
    ///   if another process holds it.
    init(path: String, database: String) throws(JournalError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JournalError(.storage, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 32, 0) }
            let owner = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingTrailingWhitespace() : "unknown"
            // Not closed here: every stored property is set, so the throw runs `deinit`, which
            // closes it. Closing it here too closed whatever another thread had opened under the
            // same number meanwhile (a test's SQLite database failed with SQLITE_IOERR_LOCK).
            throw JournalError(
                .locked,
                "another worker (pid \(owner)) owns \(database); stop it, or point --db at another database"
            )
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
