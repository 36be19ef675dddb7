#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This machine's host name: the name of the host a worker's local sandboxes live on, and the
/// first part of its owner name.
public enum HostName {
    /// The host name as `gethostname` reports it (a pod's name in Kubernetes), or `localhost`
    /// if it cannot be read.
    public static var current: String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return host.isEmpty ? "localhost" : host
    }
}
