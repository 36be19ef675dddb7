#if canImport(Glibc)
import Glibc
#endif

extension SecretStore {
    /// The secrets of the file at `path` (`NAME=value` lines; blank lines and `#` comments are
    /// skipped; a value may be wrapped in single or double quotes), then the worker's environment
    /// for names the file does not have.
    ///
    /// - Throws: ``ConfigurationError`` if the file cannot be read, is readable or writable by
    ///   anyone but its owner, or has a line that is not `NAME=value` (the error names the line,
    ///   never a value).
    public static func file(at path: String) throws(ConfigurationError) -> SecretStore {
        let setting = "--secrets-file"
        var info = stat()
        guard stat(path, &info) == 0 else {
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
        return SecretStore(values: values, fallBackToEnvironment: true)
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
