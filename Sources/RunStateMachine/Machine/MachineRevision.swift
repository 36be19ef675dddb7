/// One released revision of a machine: its definition, and the definition's version as it was
/// when the revision was released.
///
/// A run is created with the newest revision and driven to its end by that revision, by every
/// later build: the journal records the version (the definition's hash), and replay finds the
/// revision by it. So a released revision never changes. ``releasedVersion`` pins it: the static
/// checks (``StateMachine/revisionProblems(only:)``, `worker graph --check`, the test suite) fail when
/// the definition no longer hashes to it, and say how to add a revision instead.
///
/// A class, so that looking up a run's revision on every transition costs one reference count,
/// not a copy of the definition's arrays and tables.
public final class MachineRevision: Sendable {
    /// The revision's definition; its ``MachineDefinition/revision`` is the revision number.
    public let definition: MachineDefinition
    /// The version (``MachineDefinition/version``) the definition had when it was released.
    public let releasedVersion: String

    /// A released revision.
    ///
    /// - Parameters:
    ///   - definition: The revision's definition.
    ///   - releasedVersion: Its version when released, as 64 hex digits.
    public init(_ definition: MachineDefinition, released releasedVersion: String) {
        self.definition = definition
        self.releasedVersion = releasedVersion
    }

    /// The revision number, from 1.
    public var number: Int { definition.revision }

    /// Whether the definition still hashes to the released version.
    public var isIntact: Bool { definition.version == releasedVersion }

    /// `sandbox-job r1 (4b52d6a186c9)`, for people.
    public var label: String { "\(definition.name) r\(number) (\(releasedVersion.prefix(12)))" }

    /// `sandbox-job r1 (4b52d6a186c9), sandbox-job r2 (…)`, for messages.
    ///
    /// Not generic and without key paths, so the generic code of replay that calls it can still
    /// be specialized across modules.
    public static func labels(of revisions: [MachineRevision]) -> String {
        var labels: [String] = []
        for revision in revisions {
            labels.append(revision.label)
        }
        return labels.joined(separator: ", ")
    }
}
