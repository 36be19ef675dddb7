#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, blocking file operations on paths, shared by the supervisor and the worker's side of a
/// local sandbox. Nothing here allocates beyond the bytes read.
public enum FileIO {
    /// The whole content of the file at `path`, or `nil` if it does not exist or cannot be read.
    /// Reads at most `limit` bytes.
    public static func read(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, limit - bytes.count)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// The file's content as UTF-8 text, or `nil`.
    public static func readText(_ path: String) -> String? {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `bytes` to `path` atomically: a temporary file beside it, then `rename`. Readers see
    /// the old content or the new, never a part. Returns the `errno` on failure.
    @discardableResult
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) -> Int32 {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { return errno }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let error = errno
                close(fd)
                unlink(temporary)
                return error
            }
            written += n
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = errno
            unlink(temporary)
            return error
        }
        return 0
    }

    /// Writes `text` atomically (see ``writeAtomically(_:_:mode:)``).
    @discardableResult
    public static func writeAtomically(_ path: String, text: String, mode: mode_t = 0o600) -> Int32 {
        writeAtomically(path, Array(text.utf8), mode: mode)
    }

    /// Whether something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates the directory `path` (not its parents); an existing directory is fine.
    @discardableResult
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) -> Int32 {
        if mkdir(path, mode) == 0 || errno == EEXIST { return 0 }
        return errno
    }

    /// Creates `path` and every missing parent.
    @discardableResult
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) -> Int32 {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            let error = makeDirectory(prefix, mode: mode)
            if error != 0 { return error }
        }
        return 0
    }
}
