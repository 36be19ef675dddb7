import Foundation
import Testing

/// The README's architecture table is the map of the modules; this holds the code to it: every
/// module under `Sources/` has a row, and no source file imports one of our modules that its
/// module's row does not list.
@Suite("Modules match the map")
struct ModuleArrowsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// The table's rows: module → the modules of ours it may import.
    static func map() throws -> [String: Set<String>] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "## Architecture") else { return [:] }
        let section = readme[start.upperBound...].prefix { _ in true }
        var rows: [String: Set<String>] = [:]
        for line in section.split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, cells[1].hasPrefix("`") else { continue }
            let module = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let allowed = cells[3].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "` ")) }.filter { $0 != "—" && !$0.isEmpty }
            rows[module] = Set(allowed)
        }
        return rows
    }

    /// The modules of ours each source file under `Sources/<module>/` imports.
    static func imports(of module: String) throws -> [(file: String, module: String)] {
        let folder = root.appendingPathComponent("Sources/\(module)")
        guard let files = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [(String, String)] = []
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                if let index = words.firstIndex(of: "import"), index + 1 < words.count, words[..<index].allSatisfy({ $0.hasPrefix("@") }) {
                    found.append(("\(module)/\(file)", String(words[index + 1])))
                }
            }
        }
        return found
    }

    @Test("every module has a row, and imports only what its row allows")
    func arrowsHold() throws {
        let map = try Self.map()
        #expect(map.count > 10, "the README's architecture table was not found or is empty")
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path).filter { !$0.hasPrefix(".") }
        for module in modules.sorted() {
            guard let allowed = map[module] else {
                Issue.record("Sources/\(module) has no row in README.md's architecture table: add one, with what it may import")
                continue
            }
            for (file, imported) in try Self.imports(of: module) where map[imported] != nil && imported != module {
                #expect(allowed.contains(imported), "Sources/\(file) imports \(imported), which \(module)'s row in README.md does not list: remove the import, or change the map (and DESIGN.md's arrows) on purpose")
            }
        }
    }
}
