import RunStateMachine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The journal's chain head, kept beside the database (`<db>.head`) so that a journal that lost
/// records at its end (a deleted `-wal`, a restored older copy, a truncated file) is detected:
/// the database can then not show the sequence number and hash the head file records.
///
/// The file is one fixed-size line, rewritten in place after every commit, only ever forward
/// (under `flock`, so concurrent writers of one database never move it back):
/// `runlog-head v1 seq=<20 digits> hash=<64 hex> check=<8 hex>`, where `check` covers the rest
/// of the line so a torn write is recognised. It is written after the database commit, so it may
/// lag the database (after a power loss) but never lead it; it is synced on close.
final class HeadFile {
    /// What a head file says.
    enum Contents: Equatable {
        /// There is no head file (a new journal, or it was removed).
        case missing
        /// The file exists but is not a valid head line.
        case unreadable(String)
        /// The recorded head.
        case head(seq: Int64, hash: [UInt8])
    }

    static let size = 128

    private let descriptor: Int32
    private var known: Int64 = 0
    /// The line this process last wrote; if the file still holds it, no one else advanced it.
    private var lastWritten: [UInt8] = []

    /// Opens (creating if needed) the head file at `path`.
    init(path: String) throws(JournalError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JournalError(.storage, "cannot open the head file \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        fsync(descriptor)
        close(descriptor)
    }

    /// Reads the head file at `path` without creating it.
    static func read(path: String) -> Contents {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return errno == ENOENT ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        return parse(readLine(descriptor))
    }

    private static func readLine(_ descriptor: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: size)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, size, 0) }
        return count > 0 ? Array(buffer[0..<count]) : []
    }

    static func line(seq: Int64, hash: [UInt8]) -> [UInt8] {
        let body = "runlog-head v1 seq=\(String(seq).leftPadded(to: 20)) hash=\(ContentHash.hex(hash))"
        let check = HashChain.sha256Hex(Array(body.utf8)).prefix(8)
        var bytes = Array("\(body) check=\(check)".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: size - 1 - bytes.count)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    static func parse(_ bytes: [UInt8]) -> Contents {
        if bytes.isEmpty { return .missing }
        let parts = String(decoding: bytes, as: UTF8.self).trimmingTrailingWhitespace().split(separator: " ")
        guard parts.count == 5, parts[0] == "runlog-head", parts[1] == "v1",
            parts[2].hasPrefix("seq="), let seq = Int64(parts[2].dropFirst(4)),
            parts[3].hasPrefix("hash="), let hash = hexBytes(parts[3].dropFirst(5)), hash.count == 32
        else {
            return .unreadable("it is not a head line")
        }
        guard line(seq: seq, hash: hash) == bytes else {
            return .unreadable("its check does not match (torn or edited)")
        }
        return .head(seq: seq, hash: hash)
    }

    /// Records `(seq, hash)` unless the file already records a later head.
    func advance(seq: Int64, hash: [UInt8]) {
        guard seq > known else { return }
        flock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        let current = Self.readLine(descriptor)
        if current != lastWritten, case .head(let other, _) = Self.parse(current), other >= seq {
            known = other
            return
        }
        let bytes = Self.line(seq: seq, hash: hash)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        lastWritten = bytes
        known = seq
    }

    /// Makes the recorded head durable.
    func sync() {
        fsync(descriptor)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }

    func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last == " " || last == "\n" || last == "\0" {
            text = text.dropLast()
        }
        return String(text)
    }
}

func hexBytes(_ text: some StringProtocol) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    for index in stride(from: 0, to: digits.count, by: 2) {
        guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
    }
    return bytes
}
