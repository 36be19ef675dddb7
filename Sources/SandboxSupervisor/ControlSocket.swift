import CSandbox

#if canImport(Glibc)
import Glibc
#endif

/// The supervisor's control socket: a Unix stream socket in the abstract namespace (no file to
/// clean up, no path-length limit), answering only peers with the supervisor's own user id.
/// Sandboxed commands cannot reach it: they live in another network namespace, or run as
/// another user.
public enum ControlSocket {
    /// A failed socket operation: the call that failed and its `errno`.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The call that failed.
        public var call: String
        /// Its `errno`.
        public var code: Int32

        /// `connect: Connection refused`.
        public var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// The most a request or reply line may hold.
    public static let lineLimit = 1 << 20

    /// Binds and listens on `name`; the descriptor is non-blocking and close-on-exec.
    public static func listen(_ name: String) throws(Failure) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        let result = withAddress(name) { bind(fd, $0, $1) }
        guard result == 0, Glibc.listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "bind", code: code)
        }
        return fd
    }

    /// Sends `request` (one line) to the supervisor listening on `name` and returns its reply
    /// line, waiting at most `timeoutMilliseconds` for each direction.
    public static func exchange(_ name: String, request: [UInt8], timeoutMilliseconds: Int) throws(Failure) -> [UInt8] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        defer { close(fd) }
        setTimeouts(fd, milliseconds: timeoutMilliseconds)
        guard withAddress(name, { connect(fd, $0, $1) }) == 0 else { throw Failure(call: "connect", code: errno) }
        guard writeAll(fd, request + [10]) else { throw Failure(call: "write", code: errno) }
        guard let reply = readLine(fd) else { throw Failure(call: "read", code: errno == 0 ? ECONNRESET : errno) }
        return reply
    }

    /// Sets send and receive timeouts on `fd`.
    public static func setTimeouts(_ fd: Int32, milliseconds: Int) {
        var value = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The user id of the process at the other end of `fd`.
    public static func peerUser(_ fd: Int32) -> uid_t? {
        let uid = csb_peer_uid(fd)
        return uid < 0 ? nil : uid_t(uid)
    }

    /// Reads up to a newline (not included) or the end of the stream; `nil` on error, on an
    /// empty stream, or past ``lineLimit``.
    public static func readLine(_ fd: Int32) -> [UInt8]? {
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while line.count <= lineLimit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return line.isEmpty ? nil : line }
            if let newline = chunk[0..<n].firstIndex(of: 10) {
                line.append(contentsOf: chunk[0..<newline])
                return line
            }
            line.append(contentsOf: chunk[0..<n])
        }
        return nil
    }

    /// Writes all of `bytes`; false on error.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    private static func withAddress<R>(_ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0
            for (index, byte) in bytes.enumerated() {
                path[index + 1] = byte
            }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
