import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A secrets file (`NAME=value` lines, mode 600) read again whenever it changes, so a rotated
/// secret is used by the next effect without restarting the worker. A change that cannot be
/// read (a half-written file, a line that is not `NAME=value`) keeps the values read last.
public final class SecretsFile: Sendable {
    private struct Snapshot {
        var identity: [Int64]
        var values: [String: String]
    }

    /// The file's path.
    public let path: String
    private let snapshot: Mutex<Snapshot>

    /// Reads the file at `path`.
    ///
    /// - Throws: ``ConfigurationError`` if it cannot be read, is readable or writable by anyone
    ///   but its owner, or has a line that is not `NAME=value` (the error names the line, never a
    ///   value).
    public init(path: String) throws(ConfigurationError) {
        self.path = path
        let (identity, values) = try Self.load(path)
        snapshot = Mutex(Snapshot(identity: identity, values: values))
    }

    /// The values, read again if the file changed since.
    public func values() -> [String: String] {
        let current = Self.identity(path)
        if let current, current != snapshot.withLock({ $0.identity }), let (identity, values) = try? Self.load(path) {
            snapshot.withLock { $0 = Snapshot(identity: identity, values: values) }
        }
        return snapshot.withLock { $0.values }
    }

    /// Device, inode, size and modification time: what tells a changed file.
    private static func identity(_ path: String) -> [Int64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        // Device and inode numbers are unsigned and may use all 64 bits (some network file systems).
        return [Int64(truncatingIfNeeded: info.st_dev), Int64(truncatingIfNeeded: info.st_ino), Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
    }

    private static func load(_ path: String) throws(ConfigurationError) -> ([Int64], [String: String]) {
        let setting = "--secrets-file"
        var info = stat()
        guard stat(path, &info) == 0, let identity = Self.identity(path) else {
            throw ConfigurationError(setting: setting, problem: "cannot read \(path) (\(String(cString: strerror(errno))))", fix: "give the path of an existing file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigurationError(setting: setting, problem: "\(path) is accessible to others than its owner", fix: "run chmod 600 \(path)")
        }
        guard let bytes = readAll(path) else {
            throw ConfigurationError(setting: setting, problem: "cannot read \(path)", fix: "check its permissions")
        }
        var values: [String: String] = [:]
        for (number, raw) in String(decoding: bytes, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "="), isName(trimmed[..<equals]) else {
                throw ConfigurationError(setting: setting, problem: "line \(number + 1) of \(path) is not NAME=value", fix: "write each secret as NAME=value on its own line")
            }
            var value = trimmed[trimmed.index(after: equals)...]
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            }
            values[String(trimmed[..<equals])] = String(value)
        }
        return (identity, values)
    }

    private static func isName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || (65...90).contains(first) || (97...122).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    private static func readAll(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while bytes.count <= 1 << 20 {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 { return nil }
            if n == 0 { return bytes }
            bytes += buffer[..<n]
        }
        return nil
    }
}
