import Foundation
import FuzzChecks
import Testing

/// Every checked-in fuzz input, the seeds (`Fuzz/Corpus/<target>`) and each finding kept as a
/// regression (`Fuzz/Regressions/<target>`), replayed through its target's checks: what the
/// fuzzers found once stays fixed, in every test run.
@Suite("Fuzz corpora and findings, replayed")
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized

    static func inputs(_ target: FuzzTarget, in folder: String) -> [(String, [UInt8])] {
        let directory = root.appendingPathComponent("\(folder)/\(target.rawValue)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.compactMap { name in
            (try? Data(contentsOf: directory.appendingPathComponent(name))).map { (name, Array($0)) }
        }
    }

    @Test("every seed and every finding keeps its target's invariants", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) {
        let seeds = Self.inputs(target, in: "Corpus")
        #expect(!seeds.isEmpty, "no seed corpus for \(target.rawValue)")
        for (name, input) in seeds + Self.inputs(target, in: "Regressions") {
            #expect(throws: Never.self, "\(target.rawValue)/\(name)") { try target.check(input) }
        }
    }
}
