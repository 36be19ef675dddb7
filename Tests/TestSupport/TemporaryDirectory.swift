import Foundation
import Synchronization

/// A fresh directory for one test, removed when the test process exits.
///
/// Not when the object is released: Swift may release a local right after its last use, which
/// in a test is often the line that opened a journal in it; removing the directory then would
/// pull the files from under the open journal.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let path: String

    private static let created = Mutex<[String]>([])
    private static let removeAtExit: Void = {
        atexit {
            for path in TemporaryDirectory.created.withLock({ $0 }) {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }()

    /// Creates a fresh directory under `base` (default: the system's temporary directory).
    public init(base: String = NSTemporaryDirectory()) {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        var template = Array((prefix + "runlog-test-XXXXXX").utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        Self.removeAtExit
        Self.created.withLock { $0.append(path) }
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }
}
