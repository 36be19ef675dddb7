import FoundationEssentials

/// Whole-tree file operations for the worker's side of local sandboxes.
enum FileTree {
    /// Removes `path` and everything under it; a missing path is fine. Returns why not, if not.
    static func remove(_ path: String) -> String? {
        do {
            try FileManager.default.removeItem(atPath: path)
            return nil
        } catch let error as CocoaError where error.code == .fileNoSuchFile {
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The names in the directory at `path` (empty if it cannot be read).
    static func names(in path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }
}
