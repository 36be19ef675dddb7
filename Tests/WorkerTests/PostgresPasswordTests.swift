import Foundation
import Journal
import JournalPostgres
import Testing
import TestSupport

/// Where the worker finds the PostgreSQL password: the URL, then its `--secrets-file`, then
/// `PGPASSWORD`. The test cluster (`scripts/test-postgres`) trusts every role on loopback but
/// `runlog_password_test`, which must log in with its password (SCRAM), so each source is
/// really used.
@Suite("PostgreSQL passwords")
struct PostgresPasswordTests {
    @Test("the password from the URL, the secrets file or PGPASSWORD, in that order; a wrong one is refused clearly and never printed")
    func passwordSources() async throws {
        let admin = try await TestPostgres.freshLocation()
        let password = "pw-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try await TestPostgres.execute(
            "DO $$ BEGIN CREATE ROLE runlog_password_test LOGIN SUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            at: admin
        )
        try await TestPostgres.execute("ALTER ROLE runlog_password_test PASSWORD '\(password)'", at: admin)
        let url = try await TestPostgres.freshURL().replacingOccurrences(of: "postgres://runlog@", with: "postgres://runlog_password_test@")
        let withPassword = url.replacingOccurrences(of: "postgres://runlog_password_test@", with: "postgres://runlog_password_test:\(password)@")
        let directory = TemporaryDirectory()
        let secrets = directory.file("secrets")
        try "PGPASSWORD=\(password)\n".write(toFile: secrets, atomically: true, encoding: .utf8)
        chmod(secrets, 0o600)
        let wrong = "wrong-" + password
        let sandboxes = directory.file("sandboxes")

        func run(_ db: String, secretsFile: String? = nil, environment: String) async throws -> WorkerBinary.Output {
            let arguments = ["run", "--db", db, "--until-idle", "--quiet", "--sandboxes", sandboxes] + (secretsFile.map { ["--secrets-file", $0] } ?? [])
            return try await WorkerBinary.run(arguments, environment: ["PGPASSWORD": environment])
        }

        let fromFile = try await run(url, secretsFile: secrets, environment: wrong)
        #expect(fromFile.ending == .exited(0), "the secrets file, before a wrong PGPASSWORD: \(fromFile.text)")
        let fromEnvironment = try await run(url, environment: password)
        #expect(fromEnvironment.ending == .exited(0), "PGPASSWORD: \(fromEnvironment.text)")
        let fromURL = try await run(withPassword, environment: wrong)
        #expect(fromURL.ending == .exited(0), "the URL, before a wrong PGPASSWORD: \(fromURL.text)")
        #expect(!fromURL.text.contains(password))

        let refused = try await run(url, environment: wrong)
        #expect(refused.ending != .exited(0))
        #expect(refused.text.contains("check the user and password"), "\(refused.text)")
        #expect(refused.text.contains("postgres://runlog_password_test@"), "\(refused.text)")
        #expect(!refused.text.contains(wrong), "\(refused.text)")
        let none = try await run(url, environment: "")
        #expect(none.ending != .exited(0), "no password at all: \(none.text)")
    }
}
