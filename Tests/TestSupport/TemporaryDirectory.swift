import Foundation

/// A fresh directory for one test, removed afterwards.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let path: String

    /// Creates a fresh directory under `base` (default: the system's temporary directory).
    public init(base: String = NSTemporaryDirectory()) {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        var template = Array((prefix + "runlog-test-XXXXXX").utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }
}
