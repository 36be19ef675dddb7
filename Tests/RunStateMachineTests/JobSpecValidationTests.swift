import PropertyBased
import RunStateMachine
import Testing

@Suite("Job spec validation")
struct JobSpecValidationTests {
    static let issueExample = """
        {
          "kind": "shell",
          "name": "optional label",
          "idempotencyKey": "optional client key",
          "deadlineSeconds": 3600,
          "sandbox": {
            "provider": "local",
            "timeoutSeconds": 600,
            "env": {"GREETING": "hi"},
            "secrets": ["SOME_TOKEN"],
            "limits": {"memoryMiB": 512, "cpuSeconds": 300, "outputBytes": 1048576, "processes": 256},
            "mounts": [{"host": "/absolute/host/dir", "sandbox": "/mnt/data", "readOnly": false}]
          },
          "steps": [
            {"name": "hello", "run": "echo hello", "timeoutSeconds": 60,
             "retry": {"maxAttempts": 3, "backoffSeconds": 1}, "idempotent": false}
          ]
        }
        """

    static let agentExample = """
        {
          "kind": "agent",
          "agent": {"model": "claude-sonnet-4-5", "system": "optional", "prompt": "Create hello.txt containing hi, then show it.",
                    "maxTurns": 20, "maxTokens": 4096, "tools": ["shell", "read_file", "write_file"],
                    "egress": "worker"},
          "sandbox": {"provider": "local", "timeoutSeconds": 600},
          "deadlineSeconds": 1800
        }
        """

    func problems(_ text: String) -> [SpecProblem] {
        do {
            _ = try JobSpec.validate(Array(text.utf8))
            return []
        } catch {
            return error.problems
        }
    }

    @Test("accepts the shell shape from the foundation issue, with every field read")
    func issueShape() throws {
        let spec = try JobSpec.validate(Array(Self.issueExample.utf8))
        #expect(spec.kind == .shell)
        #expect(spec.name == "optional label")
        #expect(spec.idempotencyKey == "optional client key")
        #expect(spec.deadlineSeconds == 3600)
        #expect(spec.sandbox.provider == .local)
        #expect(spec.sandbox.timeoutSeconds == 600)
        #expect(spec.sandbox.env == ["GREETING": "hi"])
        #expect(spec.sandbox.secrets == ["SOME_TOKEN"])
        #expect(spec.sandbox.limits == ResourceLimits(memoryMiB: 512, cpuSeconds: 300, outputBytes: 1_048_576, processes: 256))
        #expect(spec.sandbox.mounts == [MountSpec(host: "/absolute/host/dir", sandbox: "/mnt/data", readOnly: false)])
        #expect(
            spec.steps == [
                StepSpec(name: "hello", run: "echo hello", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 3, backoffMilliseconds: 1000))
            ]
        )
    }

    @Test("accepts the agent shape from the agent issue")
    func agentShape() throws {
        let spec = try JobSpec.validate(Array(Self.agentExample.utf8))
        #expect(spec.kind == .agent)
        #expect(spec.agent == AgentSpec(model: "claude-sonnet-4-5", system: "optional", prompt: "Create hello.txt containing hi, then show it."))
        #expect(spec.deadlineSeconds == 1800)
        #expect(spec.steps.isEmpty)
    }

    @Test("fills defaults for a minimal shell spec")
    func defaults() throws {
        let spec = try JobSpec.validate(Array(#"{"kind":"shell","steps":[{"run":"true"}]}"#.utf8))
        #expect(spec.deadlineSeconds == 3600)
        #expect(spec.sandbox == SandboxSpec())
        #expect(spec.steps == [StepSpec(name: "step-1", run: "true", timeoutSeconds: 600)])
    }

    @Test("the step timeout defaults to the deadline when that is shorter")
    func timeoutDefaultFollowsDeadline() throws {
        let spec = try JobSpec.validate(Array(#"{"kind":"shell","deadlineSeconds":30,"steps":[{"run":"true"}]}"#.utf8))
        #expect(spec.steps[0].timeoutSeconds == 30)
    }

    @Test("malformed JSON is one problem at $ with the line and column")
    func malformed() {
        let found = problems("{\"kind\": \"shell\",\n \"steps\": [}")
        #expect(found.count == 1)
        #expect(found.first?.path == "$")
        #expect(found.first?.message.contains("line 2") == true)
    }

    @Test(
        "reports each problem at its JSON path with a fix",
        arguments: [
            (#"{"kind":"shell"}"#, "$.steps", "missing required field"),
            (#"{"kind":"shell","steps":[]}"#, "$.steps", "at least one step"),
            (#"{"steps":[{"run":"x"}]}"#, "$.kind", "missing required field"),
            (#"{"kind":"batch","steps":[{"run":"x"}]}"#, "$.kind", #"found "batch""#),
            (#"{"kind":"shell","steps":[{"run":"x","timeoutSeconds":"60"}]}"#, "$.steps[0].timeoutSeconds", "found string"),
            (#"{"kind":"shell","steps":[{"run":"x","timeoutSeconds":1.5}]}"#, "$.steps[0].timeoutSeconds", "whole number"),
            (#"{"kind":"shell","steps":[{"run":"x","timeout":60}]}"#, "$.steps[0].timeout", "unknown field"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"sandbox":{"limits":{"memoryMiB":0}}}"#, "$.sandbox.limits.memoryMiB", "out of range"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"sandbox":{"env":{"1BAD":"x"}}}"#, "$.sandbox.env.1BAD", "not a valid variable name"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"sandbox":{"env":{"A":"1"},"secrets":["A"]}}"#, "$.sandbox.secrets[0]", "also set in env"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"sandbox":{"mounts":[{"host":"relative","sandbox":"/mnt"}]}}"#, "$.sandbox.mounts[0].host", "normalized absolute path"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"sandbox":{"mounts":[{"host":"/a","sandbox":"/usr/local"}]}}"#, "$.sandbox.mounts[0].sandbox", "lies under /usr"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"sandbox":{"provider":"e2b","mounts":[{"host":"/a","sandbox":"/mnt"}]}}"#, "$.sandbox.mounts", "only possible in local"),
            (#"{"kind":"shell","steps":[{"run":"x"},{"run":"y","name":"step-1"}]}"#, "$.steps[1].name", "names an earlier step"),
            (#"{"kind":"shell","deadlineSeconds":10,"steps":[{"run":"x","timeoutSeconds":20}]}"#, "$.steps[0].timeoutSeconds", "deadline is 10 s"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"agent":{"model":"m","prompt":"p"}}"#, "$.agent", "no agent section"),
            (#"{"kind":"agent","steps":[{"run":"x"}],"agent":{"model":"m","prompt":"p"}}"#, "$.steps", "no steps"),
            (#"{"kind":"agent","agent":{"model":"m","prompt":"p","tools":["shell","browser"]}}"#, "$.agent.tools[1]", #"found "browser""#),
            (#"{"kind":"agent","agent":{"model":"m"}}"#, "$.agent.prompt", "missing required field"),
            (#"{"kind":"agent","agent":{"model":"m","prompt":"p","egress":"sandbox"}}"#, "$.agent.egress", "local sandboxes have no network"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"collect":["../etc/passwd"]}"#, "$.collect[0]", "inside the workspace"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"name":"two\nlines"}"#, "$.name", "control character"),
            (#"{"kind":"shell","steps":[{"run":"x"}],"sandbox":{"secrets":"TOKEN"}}"#, "$.sandbox.secrets", "expected an array"),
            (#"["kind"]"#, "$", "expected an object"),
        ]
    )
    func reportsProblem(text: String, path: String, message: String) {
        let found = problems(text)
        let match = found.first { $0.path == path && $0.message.contains(message) }
        #expect(match != nil, "expected \(path): …\(message)… in \(found)")
        #expect(match?.fix.isEmpty == false)
    }

    @Test("suggests the field a typo meant")
    func suggestion() {
        let found = problems(#"{"kind":"shell","steps":[{"run":"x","timout":60,"idempotant":true}],"deadline":5}"#)
        #expect(found.contains { $0.path == "$.steps[0].timout" && $0.fix.contains("\"timeoutSeconds\"") })
        #expect(found.contains { $0.path == "$.steps[0].idempotant" && $0.fix.contains("\"idempotent\"") })
        #expect(found.contains { $0.path == "$.deadline" && $0.fix.contains("\"deadlineSeconds\"") })
    }

    @Test("collects every problem instead of stopping at the first")
    func collectsAll() {
        let found = problems(#"{"kind":"shell","steps":[{"run":1},{"run":"ok","retry":{"maxAttempts":99}}],"sandbox":{"provider":"gce"}}"#)
        #expect(Set(found.map(\.path)) == ["$.steps[0].run", "$.steps[1].retry.maxAttempts", "$.sandbox.provider"])
    }

    @Test("a spec over the size limit is refused before parsing, one byte under is parsed")
    func sizeBoundary() {
        func document(totalBytes: Int) -> String {
            let prefix = #"{"kind":"shell","steps":[{"run":"true"}],"name":""#
            let suffix = #""}"#
            return prefix + String(repeating: "a", count: totalBytes - prefix.utf8.count - suffix.utf8.count) + suffix
        }
        let over = problems(document(totalBytes: SpecLimits.maxSpecBytes + 1))
        #expect(over.count == 1 && over[0].path == "$" && over[0].message.contains("limit is \(SpecLimits.maxSpecBytes)"))
        // At and under the size limit the document is parsed, so the (oversized) name is what is reported.
        for size in [SpecLimits.maxSpecBytes, SpecLimits.maxSpecBytes - 1] {
            #expect(problems(document(totalBytes: size)).map(\.path) == ["$.name"])
        }
    }

    @Test(
        "boundary values: limit − 1 and limit pass, limit + 1 fails",
        arguments: [
            ("steps", SpecLimits.maxSteps),
            ("command", SpecLimits.maxCommandBytes),
            ("env", SpecLimits.maxEnvEntries),
            ("deadline", Int(SpecLimits.deadlineSeconds.upperBound)),
            ("attempts", Int(SpecLimits.maxAttempts.upperBound)),
        ]
    )
    func boundaries(what: String, limit: Int) {
        func spec(_ n: Int) -> String {
            switch what {
            case "steps":
                let steps = (0..<n).map { #"{"name":"s\#($0)","run":"true"}"# }.joined(separator: ",")
                return #"{"kind":"shell","steps":[\#(steps)]}"#
            case "command":
                return #"{"kind":"shell","steps":[{"run":"\#(String(repeating: "x", count: n))"}]}"#
            case "env":
                let env = (0..<n).map { #""V\#($0)":"x""# }.joined(separator: ",")
                return #"{"kind":"shell","steps":[{"run":"true"}],"sandbox":{"env":{\#(env)}}}"#
            case "deadline":
                return #"{"kind":"shell","deadlineSeconds":\#(n),"steps":[{"run":"true"}]}"#
            default:
                return #"{"kind":"shell","steps":[{"run":"true","retry":{"maxAttempts":\#(n)}}]}"#
            }
        }
        #expect(problems(spec(limit - 1)).isEmpty)
        #expect(problems(spec(limit)).isEmpty)
        #expect(problems(spec(limit + 1)).count == 1)
    }

    @Test("nesting deeper than the limit is refused")
    func nesting() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let found = problems(#"{"kind":"shell","steps":[{"run":"true"}],"name":\#(deep)}"#)
        #expect(found.count == 1 && found[0].message.contains("nested deeper"))
    }

    @Test("fractional backoff is kept to the millisecond and survives normalization")
    func fractionalBackoff() throws {
        let spec = try JobSpec.validate(Array(#"{"kind":"shell","steps":[{"run":"x","retry":{"maxAttempts":2,"backoffSeconds":0.25}}]}"#.utf8))
        #expect(spec.steps[0].retry.backoffMilliseconds == 250)
        #expect(try JobSpec(json: spec.json) == spec)
    }

    @Test("the normalized form validates back to the same spec, whatever the input's key order and spacing")
    func normalizedRoundTrip() throws {
        for text in [Self.issueExample, Self.agentExample] {
            let spec = try JobSpec.validate(Array(text.utf8))
            let again = try JobSpec.validate(spec.json.canonicalBytes)
            #expect(again == spec)
            #expect(again.json.canonicalBytes == spec.json.canonicalBytes)
        }
    }

    @Test("random byte strings and random JSON never crash the validator; every refusal has problems")
    func fuzz() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...255).array(of: 0...300)) { bytes in
            do {
                _ = try JobSpec.validate(bytes)
            } catch let error as SpecValidationError {
                #expect(!error.problems.isEmpty)
            }
        }
        await propertyCheck(count: 500, input: JSONValueTests.values(depth: 3)) { value in
            let wrapped: JSONValue = ["kind": "shell", "steps": [["run": "x", "name": value]], "sandbox": ["env": value]]
            do {
                _ = try JobSpec.validate(json: wrapped)
            } catch let error as SpecValidationError {
                #expect(!error.problems.isEmpty)
            }
        }
    }
}
