import Crypto
import RunStateMachine
import Testing

/// Released revisions never change: their definitions keep the version they were released with,
/// and their behaviour, sampled wide by ``BehaviourCorpus``, keeps its digest.
@Suite("Machine revisions")
struct MachineRevisionTests {
    /// The digest of ``BehaviourCorpus/lines(revision:)`` of each released revision of
    /// sandbox-job, pinned when the revision was released. Never edit a pin; add one with each
    /// revision (the failure message of ``behaviourIsPinned`` prints the new revision's digest).
    static let behaviourDigests: [Int: String] = [
        1: "99285b57daf839e4c03183870819ab53a392b9d3ea6dae61b77b0e56f53f2ed0"
    ]

    @Test("every released revision of sandbox-job is intact, numbered in order, and passes the static checks")
    func revisionsAreSound() {
        #expect(SandboxJob.revisions.map(\.number) == Array(1...SandboxJob.revisions.count))
        for revision in SandboxJob.revisions {
            #expect(revision.isIntact, "\(MachineRevision.problems(of: SandboxJob.revisions, only: revision.number))")
        }
        #expect(SandboxJob.revisionProblems() == [])
        #expect(SandboxJob.latest.number == SandboxJob.revisions.count)
    }

    @Test("revision 1 is the first release's machine: its version is the one every journal of that release records")
    func revisionOneIsTheFirstRelease() {
        // The version in Tests/JournalTests/Fixtures/golden-sandbox-job.jsonl and in the
        // release-1 database of the worker tests.
        #expect(SandboxJob.revision(1)?.releasedVersion == "4b52d6a186c98f4622b3d0a1a48ab9fbce3a0e5f035501e3e9d9db8411b32bb1")
        #expect(SandboxJob.revision(forVersion: "4b52d6a186c98f4622b3d0a1a48ab9fbce3a0e5f035501e3e9d9db8411b32bb1")?.number == 1)
        #expect(SandboxJob.revision(forVersion: String(repeating: "0", count: 64)) == nil)
        #expect(SandboxJob.revision(0) == nil)
    }

    @Test("each released revision behaves as when it was released (a digest of its transitions over a wide sample)")
    func behaviourIsPinned() {
        for revision in SandboxJob.revisions {
            let digest = Self.digest(BehaviourCorpus.lines(revision: revision.number))
            guard let pinned = Self.behaviourDigests[revision.number] else {
                Issue.record("revision \(revision.number) has no pinned behaviour digest; add \(revision.number): \"\(digest)\" to behaviourDigests when it is released")
                continue
            }
            #expect(
                digest == pinned,
                """
                sandbox-job revision \(revision.number) behaves differently than when it was released \
                (behaviour digest \(digest.prefix(12)), pinned \(pinned.prefix(12))). Runs recorded with it replay by it, \
                so its behaviour never changes: undo the change for revision \(revision.number), and make it a new revision \
                (gate it on `revision >= \(SandboxJob.revisions.count + 1)`; README: Upgrading)
                """
            )
        }
    }

    @Test("the corpus is wide: thousands of transitions, most of the definition's edges taken")
    func corpusIsWide() {
        let lines = BehaviourCorpus.lines(revision: 1)
        #expect(lines.count > 8000)
        let accepted = lines.filter { !$0.contains("\"refused\"") }
        #expect(accepted.count > 500)
    }

    static func digest(_ lines: [String]) -> String {
        ContentHash.hex(SHA256.hash(data: Array(lines.joined(separator: "\n").utf8)))
    }

    // MARK: - The checks of a revision list

    static func toy(revision: Int, extraState: Bool = false) -> MachineDefinition {
        var definition = MachineDefinitionTests.sound
        definition.revision = revision
        if extraState {
            definition.states.append(.init("resting", ""))
            definition.edges.append(.init("busy", "go", "resting"))
            definition.edges.append(.init("resting", "finished", "done", effects: ["free"]))
        }
        return definition
    }

    @Test("a released revision whose definition changed is reported, with how to add a revision instead")
    func changedRevisionIsReported() {
        let released = Self.toy(revision: 1)
        let changed = Self.toy(revision: 1, extraState: true)
        let problems = MachineRevision.problems(of: [MachineRevision(changed, released: released.version)])
        #expect(problems.map(\.code) == [.revisionChanged])
        let detail = problems.first?.detail ?? ""
        #expect(detail.contains("revision 2"))
        #expect(detail.contains("revision >= 2"))
        #expect(MachineRevision.problems(of: [MachineRevision(released, released: released.version)]) == [])
    }

    @Test("revisions out of order, under two names, or none at all are reported")
    func misnumberedRevisions() {
        let one = Self.toy(revision: 1)
        let two = Self.toy(revision: 2, extraState: true)
        let ok = [MachineRevision(one, released: one.version), MachineRevision(two, released: two.version)]
        #expect(MachineRevision.problems(of: ok) == [])
        #expect(MachineRevision.problems(of: ok.reversed()).map(\.code) == [.revisionOrder, .revisionOrder])
        var renamed = two
        renamed.name = "other"
        #expect(MachineRevision.problems(of: [ok[0], MachineRevision(renamed, released: renamed.version)]).map(\.code) == [.revisionOrder])
        #expect(MachineRevision.problems(of: []).map(\.code) == [.revisionOrder])
        #expect(MachineRevision.problems(of: ok, only: 2) == [])
    }

    @Test("a definition's revision number is part of its version")
    func revisionChangesVersion() {
        #expect(Self.toy(revision: 1).version != Self.toy(revision: 2).version)
    }
}
