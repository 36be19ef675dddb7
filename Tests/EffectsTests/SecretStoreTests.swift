import Effects
import Foundation
import RunStateMachine
import Testing
import TestSupport

@Suite("Secrets file")
struct SecretStoreTests {
    func write(_ text: String, mode: mode_t = 0o600) throws -> (TemporaryDirectory, String) {
        let directory = TemporaryDirectory()
        let path = directory.file("secrets.env")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode)
        return (directory, path)
    }

    @Test("NAME=value lines, comments, blanks and quotes; the environment fills in the rest")
    func parsing() throws {
        let (directory, file) = try write("# comment\n\nAPI_TOKEN=abc=def\n  QUOTED=\"with spaces\"\nSINGLE='x'\r\nEMPTY=\n")
        _ = directory
        let store = try SecretStore.file(at: file)
        #expect(try store.resolve(["API_TOKEN", "QUOTED", "SINGLE", "EMPTY"]).get() == ["API_TOKEN": "abc=def", "QUOTED": "with spaces", "SINGLE": "x", "EMPTY": ""])
        let path = try #require(ProcessInfo.processInfo.environment["PATH"])
        #expect(try store.resolve(["PATH"]).get() == ["PATH": path])
        guard case .failure(let missing) = store.resolve(["NOPE"]) else { Issue.record("NOPE resolved"); return }
        #expect(missing.names == ["NOPE"])
    }

    @Test("a file others may read, a missing file, or a malformed line is refused without showing a value")
    func refusals() throws {
        let (d1, open) = try write("A=1\n", mode: 0o644)
        #expect(throws: ConfigurationError(setting: "--secrets-file", problem: "\(open) is accessible to others than its owner", fix: "run chmod 600 \(open)")) {
            try SecretStore.file(at: open)
        }
        let (d2, malformed) = try write("GOOD=1\nthis is secret-value-1\n")
        do {
            _ = try SecretStore.file(at: malformed)
            Issue.record("a malformed line was accepted")
        } catch {
            #expect(error.description == "--secrets-file: line 2 of \(malformed) is not NAME=value; write each secret as NAME=value on its own line")
            #expect(!error.description.contains("secret-value-1"))
        }
        #expect(throws: ConfigurationError.self) { try SecretStore.file(at: d2.file("missing.env")) }
        _ = d1
    }

    @Test("a rotated secret is used from the next effect on; a broken rewrite keeps the values read last")
    func rotation() throws {
        let (directory, file) = try write("API_TOKEN=first-value\n")
        let store = try SecretStore.file(at: file)
        #expect(try store.resolve(["API_TOKEN"]).get() == ["API_TOKEN": "first-value"])
        try "API_TOKEN=second-value-longer\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        #expect(try store.resolve(["API_TOKEN"]).get() == ["API_TOKEN": "second-value-longer"])
        try "API_TOKEN second-value-broken\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        #expect(try store.resolve(["API_TOKEN"]).get() == ["API_TOKEN": "second-value-longer"])
        _ = directory
    }

    @Test("events are scrubbed of secret values in their free text, never in ids; short values are left alone")
    func scrubbing() {
        let store = SecretStore(values: ["API_TOKEN": "tok-0123456789", "PIN": "1234"])
        let intent = IntentID(seq: 3, index: 0)
        let failed = SandboxJobEvent.modelCallFailed(intent: intent, reason: "HTTP 400: bad header tok-0123456789 (pin 1234)", retryable: false, retryAfterMilliseconds: nil, at: Timestamp(milliseconds: 1))
        #expect(store.scrub(failed, names: ["API_TOKEN", "PIN", "ABSENT"]) == .modelCallFailed(
            intent: intent, reason: "HTTP 400: bad header [redacted API_TOKEN] (pin 1234)", retryable: false, retryAfterMilliseconds: nil, at: Timestamp(milliseconds: 1)
        ))
        let created = SandboxJobEvent.sandboxCreated(intent: intent, sandbox: SandboxID("e2b:tok-0123456789"))
        #expect(store.scrub(created, names: ["API_TOKEN"]) == created)
        let tool = SandboxJobEvent.toolFinished(intent: intent, result: ToolResult(isError: false, content: "tok-0123456789"))
        #expect(store.scrub(tool, names: ["API_TOKEN"]) == .toolFinished(intent: intent, result: ToolResult(isError: false, content: "[redacted API_TOKEN]")))
        #expect(store.scrub("x tok-0123456789 y", names: ["API_TOKEN"]) == "x [redacted API_TOKEN] y")
    }
}
