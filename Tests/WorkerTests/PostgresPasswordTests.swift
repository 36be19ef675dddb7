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
    /// Creates the login role `name` (one the test cluster checks passwords of) if it is not
    /// there, with `password`.
    static func role(_ name: String, password: String, at admin: PostgresLocation) async throws {
        try await TestPostgres.execute("DO $$ BEGIN CREATE ROLE \(name) LOGIN SUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$", at: admin)
        try await TestPostgres.execute("ALTER ROLE \(name) PASSWORD '\(password)'", at: admin)
    }

    @Test("the password from the URL, the secrets file or PGPASSWORD, in that order; a wrong one is refused clearly and never printed")
    func passwordSources() async throws {
        let admin = try await TestPostgres.freshLocation()
        let password = "pw-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try await Self.role("runlog_password_test", password: password, at: admin)
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

    @Test("a password rotated under a running worker: it exits non-zero saying to restart with the current one, instead of retrying the old one for ever")
    func rotatedPassword() async throws {
        let admin = try await TestPostgres.freshLocation()
        let old = "old-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let new = "new-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try await Self.role("runlog_rotation_test", password: old, at: admin)
        let url = try await TestPostgres.freshURL().replacingOccurrences(of: "postgres://runlog@", with: "postgres://runlog_rotation_test@")
        let directory = TemporaryDirectory()
        let log = directory.file("worker.log")
        let worker = try WorkerBinary.start(
            ["run", "--db", url, "--sandboxes", directory.file("sandboxes"), "--lease-seconds", "2"],
            environment: ["PGPASSWORD": old],
            log: log
        )
        defer { if worker.isRunning { worker.terminate() } }
        // Serving: its sessions are open.
        try await eventually("the worker is connected", within: 20_000, every: 50) {
            let connected = """
                DO $$ BEGIN
                    IF (SELECT count(*) FROM pg_stat_activity WHERE usename = 'runlog_rotation_test') = 0 THEN RAISE EXCEPTION 'not yet'; END IF;
                END $$
                """
            return (try? await TestPostgres.execute(connected, at: admin)) != nil
        }
        // The password is rotated, and its sessions ended (as a failover or a restart ends them).
        try await TestPostgres.execute("ALTER ROLE runlog_rotation_test PASSWORD '\(new)'", at: admin)
        try await TestPostgres.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'runlog_rotation_test'", at: admin)
        let exited = await completes(within: 30) { _ = await WorkerBinary.wait(worker) }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(exited, "the worker still runs: \(text)")
        #expect(await WorkerBinary.wait(worker) != .exited(0), "\(text)")
        #expect(text.contains("restart workers after rotating"), "\(text)")
        #expect(!text.contains(old) && !text.contains(new), "\(text)")
    }
}
