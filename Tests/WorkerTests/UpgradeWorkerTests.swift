import Foundation
import Journal
import RunStateMachine
import Testing
import TestSupport

/// The built `worker` binary taking over a database of the first release, and its pre-deploy
/// gate, `worker upgrade-check`.
@Suite("Worker upgrades")
struct UpgradeWorkerTests {
    static func journal(_ path: String) throws -> SQLiteJournal {
        try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader))
    }

    @Test("a database of the first release: verify, upgrade-check, then run --until-idle finishes every unfinished run by revision 1, and verify passes again")
    func takesOverReleaseOne() async throws {
        let harness = WorkerHarness()
        let db = try ReleaseFixture.copy(into: harness.directory, as: "runs.sqlite")
        #expect(db == harness.db)
        let before = try Self.journal(db)
        let recordsBefore = try Dictionary(uniqueKeysWithValues: before.runs().map { ($0.run.number, $0.lastRunSeq) })
        before.close()

        let (verified, verifyOutput) = try await harness.worker(["verify", "--db", db])
        #expect(verified == .exited(0), "\(verifyOutput)")
        let (checked, checkOutput) = try await harness.worker(["upgrade-check", "--db", db])
        #expect(checked == .exited(0), "\(checkOutput)")
        #expect(checkOutput.contains("schema 2 (a worker of this build migrates it to schema \(SQLiteJournal.schemaVersion)"), "\(checkOutput)")
        #expect(checkOutput.contains("sandbox-job r1"), "\(checkOutput)")
        #expect(checkOutput.contains("ok: this build can replay every run and continue every unfinished one"), "\(checkOutput)")

        // The interrupted runs' sandboxes are gone and every deadline of theirs has passed: the
        // worker recovers each as recovery handles a lost sandbox, and finishes it.
        let (ran, runOutput) = try await harness.worker(harness.runArguments)
        #expect(ran == .exited(0), "\(runOutput)\n\(harness.log)")

        let after = try Self.journal(db)
        defer { after.close() }
        #expect(after.schema == SQLiteJournal.schemaVersion)
        let runs = try after.runs()
        for (run, fixture) in zip(runs, ReleaseFixture.runs) {
            #expect(run.name == fixture.name)
            #expect(run.machineVersion == SandboxJob.revisions[0].releasedVersion, "\(fixture.name)")
            #expect(run.terminal, "\(fixture.name) is still \(run.stateName)")
            if ["succeeded", "failed", "cancelled"].contains(fixture.state) {
                // A finished run is left as it was.
                #expect(run.stateName == fixture.state, "\(fixture.name)")
                #expect(run.lastRunSeq == recordsBefore[run.run.number], "\(fixture.name)")
            } else {
                #expect(run.lastRunSeq > recordsBefore[run.run.number] ?? .max, "\(fixture.name)")
            }
        }
        #expect(await harness.sandboxesLeft().isEmpty)
        #expect(harness.supervisorsLeft().isEmpty)
        let replays = try after.replayAll()
        #expect(replays.values.allSatisfy { $0.revision == 1 && $0.divergence == nil })
        let (reverified, reverifyOutput) = try await harness.worker(["verify", "--db", db])
        #expect(reverified == .exited(0), "\(reverifyOutput)")
        let (rechecked, recheckOutput) = try await harness.worker(["upgrade-check", "--db", db, "--json"])
        #expect(rechecked == .exited(0), "\(recheckOutput)")
        let report = try JSONFields(JSONValue.parse(recheckOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try report.int("schema") == SQLiteJournal.schemaVersion)
        #expect(try report.bool("ok"))
    }

    @Test("upgrade-check names a run of a revision this build does not have, and exits 1")
    func unknownRevision() async throws {
        let harness = WorkerHarness()
        let journal = try SQLiteJournal.open(path: harness.db)
        let spec = JobSpec(kind: .shell, steps: [StepSpec(name: "a", run: "true")])
        _ = try await journal.submit(SandboxJob.self, input: spec, label: "current", idempotencyKey: nil, at: Timestamp(milliseconds: 1_800_000_000_000))
        // A run created by a newer build, whose revision 2 this build does not have.
        let newer = try await journal.submit(RevisedSandboxJob.self, input: spec, label: "newer", idempotencyKey: nil, at: Timestamp(milliseconds: 1_800_000_000_000))
        journal.close()

        let (ending, output) = try await harness.worker(["upgrade-check", "--db", harness.db])
        #expect(ending == .exited(1), "\(output)")
        #expect(output.contains("FAILED: this build cannot take over 1 run(s):"), "\(output)")
        #expect(output.contains("\(newer.run.id.value) (unfinished, unknownRevision)"), "\(output)")
        #expect(output.contains("sandbox-job (unknown)"), "\(output)")
        let (jsonEnding, json) = try await harness.worker(["upgrade-check", "--db", harness.db, "--json"])
        #expect(jsonEnding == .exited(1))
        let report = try JSONFields(JSONValue.parse(json.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try !report.bool("ok"))
        guard case .array(let blocked) = try report.required("blocked") else {
            Issue.record("no blocked list: \(json)")
            return
        }
        #expect(blocked.count == 1)
        #expect(try JSONFields(blocked[0]).string("run") == newer.run.id.value)
        #expect(try JSONFields(blocked[0]).string("reason") == "unknownRevision")

        // A worker of this build drives the run it knows and leaves the other alone, saying why.
        let (ran, runOutput) = try await harness.worker(harness.runArguments + ["--json"])
        #expect(ran == .exited(0), "\(runOutput)")
        #expect(runOutput.contains("which this build cannot replay") && runOutput.contains("a newer Runlog created it"), "\(runOutput)")
    }

    @Test("upgrade-check refuses a database of a newer Runlog, saying so")
    func newerDatabase() async throws {
        let harness = WorkerHarness()
        let db = try ReleaseFixture.copy(into: harness.directory, as: "runs.sqlite")
        // Stamp the database with a later schema, as a newer Runlog would leave it.
        try Self.setUserVersion(db, SQLiteJournal.schemaVersion + 1)
        let (ending, output) = try await harness.worker(["upgrade-check", "--db", db])
        #expect(ending == .exited(1), "\(output)")
        #expect(output.contains("newer than this worker's \(SQLiteJournal.schemaVersion); run a newer Runlog"), "\(output)")
        let (jsonEnding, json) = try await harness.worker(["upgrade-check", "--db", db, "--json"])
        #expect(jsonEnding == .exited(1))
        #expect(json.contains(#""error":"schemaTooNew""#), "\(json)")
    }

    /// Sets the database's `PRAGMA user_version` by writing it into the file's header (a
    /// big-endian 32-bit number at offset 60; the fixture has no WAL content).
    static func setUserVersion(_ path: String, _ version: Int) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: 60)
        try handle.write(contentsOf: withUnsafeBytes(of: UInt32(version).bigEndian) { Data($0) })
    }
}
