import Foundation
@testable import Journal
import Testing

@Suite("Migrations")
struct MigrationsTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../migrations/sqlite").standardized

    @Test("the embedded migrations equal the SQL files, byte for byte (run scripts/embed-migrations if not)")
    func embeddedEqualsFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migration.sqlite.map(\.file))
        for migration in Migration.sqlite {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(migration.file), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.file) differs from its embedded copy")
        }
    }

    @Test("versions count up from 1 and match the file names")
    func versions() {
        for (index, migration) in Migration.sqlite.enumerated() {
            #expect(migration.version == index + 1)
            #expect(migration.file.hasPrefix(String(format: "%04d_", index + 1)))
        }
        #expect(SQLiteJournal.schemaVersion == Migration.sqlite.count)
    }
}
