import Foundation
@testable import Journal
@testable import JournalPostgres
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

    static let postgresDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../migrations/postgres").standardized

    @Test("the embedded PostgreSQL migrations equal the SQL files, and count up from 1")
    func postgresEmbeddedEqualsFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.postgresDirectory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migration.postgres.map(\.file))
        for (index, migration) in Migration.postgres.enumerated() {
            let text = try String(contentsOf: Self.postgresDirectory.appendingPathComponent(migration.file), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.file) differs from its embedded copy")
            #expect(migration.version == index + 1)
        }
        #expect(PostgresJournal.schemaVersion == Migration.postgres.count)
    }

    @Test("a migration splits into statements at semicolons outside comments, strings and dollar-quoted bodies")
    func scriptStatements() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'semi;colon');
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'no; never';
            END
            $$;

            INSERT INTO a VALUES ('it''s');
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0] == "-- a comment; with a semicolon\nCREATE TABLE a (x text DEFAULT 'semi;colon')")
        #expect(statements[1].hasPrefix("CREATE FUNCTION f()") && statements[1].hasSuffix("END\n$$"))
        #expect(statements[2] == "INSERT INTO a VALUES ('it''s')")
        #expect(SQLScript.statements(Migration.postgres[0].sql).count > 10)
    }
}
