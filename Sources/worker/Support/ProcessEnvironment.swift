#if canImport(Glibc)
import Glibc
#endif

/// This process's environment.
enum ProcessEnvironment {
    /// Every variable, by name (for a name set twice, the later entry).
    static func current() -> [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }
}
