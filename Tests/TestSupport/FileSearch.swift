import Foundation

/// Finding bytes in files, for tests that prove something was recorded nowhere.
public enum FileSearch {
    /// Every file under `path` (recursively; paths relative to it) whose bytes contain `needle`.
    public static func files(under path: String, containing needle: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return [] }
        var found: [String] = []
        for case let relative as String in enumerator {
            guard let data = FileManager.default.contents(atPath: "\(path)/\(relative)") else { continue }
            if data.range(of: Data(needle.utf8)) != nil { found.append(relative) }
        }
        return found
    }
}
