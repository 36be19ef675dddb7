import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// Gives each local sandbox a user of its own (when the worker runs as root), so sandboxes
/// cannot signal each other's processes and `RLIMIT_NPROC`, which counts per user, is a
/// per-sandbox limit.
///
/// Users are claimed machine-wide by creating `/var/tmp/runlog-sandbox-users/<uid>` exclusively;
/// the file names the sandbox directory that holds it. A claim whose sandbox directory no longer
/// exists (its worker crashed before releasing it) is taken over.
enum SandboxUsers {
    /// The registry of claimed users.
    static let registry = "/var/tmp/runlog-sandbox-users"

    /// Claims a free user in `base ..< base + count` for the sandbox at `directory`.
    static func claim(for directory: String, base: UInt32, count: UInt32) -> UInt32? {
        guard FileIO.makeDirectories(registry, mode: 0o700) == 0 else { return nil }
        var hash: UInt32 = 2_166_136_261
        for byte in directory.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        let count = max(1, count)
        for probe in 0..<min(count, 65_536) {
            let user = base + (hash &+ probe) % count
            let path = "\(registry)/\(user)"
            for _ in 0..<2 {
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                if fd >= 0 {
                    let bytes = Array(directory.utf8)
                    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    close(fd)
                    return user
                }
                guard errno == EEXIST, let holder = FileIO.readText(path) else { break }
                if holder == directory { return user }
                // A claim whose sandbox is gone is stale: take it over.
                guard !holder.isEmpty, !FileIO.exists(holder) else { break }
                unlink(path)
            }
        }
        return nil
    }

    /// Gives back `user` if the sandbox at `directory` holds it.
    static func release(_ user: UInt32, from directory: String) {
        let path = "\(registry)/\(user)"
        if FileIO.readText(path) == directory {
            unlink(path)
        }
    }
}
