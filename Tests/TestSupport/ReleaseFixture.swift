import Foundation

/// `Tests/Fixtures/release-1/release-1.sqlite`: the database a worker of the first release
/// (journal schema 2, sandbox-job revision 1) left behind, with its head file; how it was made,
/// and what each run is, is in `make-release-1.sh` beside it.
public enum ReleaseFixture {
    /// The folder of the fixture.
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/release-1").standardized.path

    /// The schema of the database.
    public static let schema = 2

    /// Each run's name and the state it was left in, in order of submission.
    public static let runs: [(name: String, state: String)] = [
        ("ok", "succeeded"), ("fails", "failed"), ("flaky", "succeeded"), ("cancelled", "cancelled"), ("late", "failed"),
        ("waiting", "retryWait"), ("parked", "needsAttention"), ("killed-redo", "running"), ("killed-once", "running"),
        ("queued-shell", "queued"), ("queued-agent", "queued"),
    ]

    /// Copies the database and its head file into `directory` as `name`; returns the path.
    public static func copy(into directory: TemporaryDirectory, as name: String = "release-1.sqlite") throws -> String {
        let path = directory.file(name)
        try FileManager.default.copyItem(atPath: "\(folder)/release-1.sqlite", toPath: path)
        try FileManager.default.copyItem(atPath: "\(folder)/release-1.sqlite.head", toPath: path + ".head")
        return path
    }
}
