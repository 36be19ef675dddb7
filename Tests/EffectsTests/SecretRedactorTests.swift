import PropertyBased
import SandboxSupervisor
import SystemSupport
import Testing

@Suite("Secret redaction of command output")
struct SecretRedactorTests {
    static func redact(_ text: String, secrets: [String: String], splitAt cuts: [Int]) -> String {
        var redactor = SecretRedactor(secrets: secrets)!
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var start = 0
        for cut in (cuts.map { min(max(0, $0), bytes.count) }.sorted() + [bytes.count]) where cut >= start {
            out += bytes[start..<cut].withUnsafeBytes { redactor.feed($0) }
            start = cut
        }
        out += redactor.finish()
        return String(decoding: out, as: UTF8.self)
    }

    @Test(
        "secrets are replaced by their names, wherever the stream is cut",
        arguments: [
            ("token=s3cr3t-value;", ["TOKEN": "s3cr3t-value"], "token=[redacted TOKEN];"),
            ("s3cr3t-values3cr3t-value", ["TOKEN": "s3cr3t-value"], "[redacted TOKEN][redacted TOKEN]"),
            ("abcdef", ["SHORT": "abc", "LONG": "abcdef"], "[redacted LONG]"),
            ("ab", ["TOKEN": "abc"], "ab"),
            ("nothing here", ["TOKEN": "secret"], "nothing here"),
            ("xsecretsecrex", ["TOKEN": "secret"], "x[redacted TOKEN]secrex"),
        ]
    )
    func table(text: String, secrets: [String: String], expected: String) {
        let bytes = text.utf8.count
        for cut in 0...bytes {
            #expect(Self.redact(text, secrets: secrets, splitAt: [cut]) == expected, "cut at \(cut)")
        }
        #expect(Self.redact(text, secrets: secrets, splitAt: Array(0...bytes)) == expected, "one byte at a time")
    }

    @Test("property: however a stream is cut, no secret survives and the result is the same")
    func property() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...40).array(of: 0...6), Gen.int(in: 0...6).array(of: 1...8)) { cuts, pieces in
            let secrets = ["A": "tok3n", "B": "tok3n-long", "C": "zz"]
            let parts = ["tok3n", "tok3n-long", "zz", "tok", "3n", "z", " plain "]
            let text = pieces.map { parts[$0] }.joined()
            let whole = Self.redact(text, secrets: secrets, splitAt: [])
            #expect(Self.redact(text, secrets: secrets, splitAt: cuts) == whole)
            #expect(!whole.contains("tok3n") && !whole.contains("zz"), "\(text) -> \(whole)")
        }
    }

    @Test("no secrets, or only empty ones, means no redactor")
    func empty() {
        #expect(SecretRedactor(secrets: [:]) == nil)
        #expect(SecretRedactor(secrets: ["EMPTY": ""]) == nil)
    }
}
