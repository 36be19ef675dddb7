extension JobSpec {
    /// Parses and validates a job spec document.
    ///
    /// - Parameter bytes: The spec as UTF-8 JSON.
    /// - Returns: The validated spec with defaults filled in.
    /// - Throws: ``SpecValidationError`` listing every problem with its JSON path and a fix:
    ///   oversized input, malformed JSON, unknown fields, wrong types, missing fields, values
    ///   out of range, and inconsistent combinations.
    public static func validate(_ bytes: some Collection<UInt8>) throws(SpecValidationError) -> JobSpec {
        guard bytes.count <= SpecLimits.maxSpecBytes else {
            throw SpecValidationError(problems: [
                SpecProblem(
                    path: "$",
                    message: "the spec is \(bytes.count) bytes; the limit is \(SpecLimits.maxSpecBytes)",
                    fix: "move large content (scripts, data) into files mounted into the sandbox"
                )
            ])
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes, maxDepth: SpecLimits.maxDepth)
        } catch {
            throw SpecValidationError(problems: [
                SpecProblem(path: "$", message: error.description, fix: "correct the JSON syntax at that position")
            ])
        }
        return try validate(json: document)
    }

    /// Validates a parsed job spec; see ``validate(_:)``.
    public static func validate(json document: JSONValue) throws(SpecValidationError) -> JobSpec {
        var validator = SpecValidator()
        let spec = read(document, with: &validator)
        guard validator.problems.isEmpty, let spec else {
            throw SpecValidationError(problems: validator.problems)
        }
        return spec
    }

    // The fields each object may have (built once: these lists are consulted for every spec).
    private static let topLevelFields = ["kind", "name", "idempotencyKey", "deadlineSeconds", "sandbox", "steps", "agent", "collect"]
    private static let sandboxFields = ["provider", "template", "isolation", "timeoutSeconds", "env", "secrets", "limits", "mounts"]
    private static let limitsFields = ["memoryMiB", "cpuSeconds", "outputBytes", "processes", "fileSizeMiB"]
    private static let mountFields = ["host", "sandbox", "readOnly"]
    private static let stepFields = ["name", "run", "timeoutSeconds", "retry", "idempotent"]
    private static let retryFields = ["maxAttempts", "backoffSeconds"]
    private static let agentFields = ["model", "system", "prompt", "maxTurns", "maxTokens", "tools", "egress", "tokenBudget"]

    private static func read(_ document: JSONValue, with v: inout SpecValidator) -> JobSpec? {
        guard let members = v.object(document, at: "$", allowed: topLevelFields) else { return nil }
        let kind = v.choice(members, "kind", in: "$", as: Kind.self, required: true)
        let name = v.string(members, "name", in: "$", maxBytes: SpecLimits.maxLabelBytes)
        let key = v.string(members, "idempotencyKey", in: "$", maxBytes: SpecLimits.maxLabelBytes)
        let deadline =
            v.integer(members, "deadlineSeconds", in: "$", range: SpecLimits.deadlineSeconds, unit: "seconds")
            ?? SpecLimits.defaultDeadlineSeconds
        let sandbox = v.member(members, "sandbox").map { readSandbox($0, with: &v) } ?? SandboxSpec()
        let collect = readCollect(members, with: &v)

        var steps: [StepSpec] = []
        var agent: AgentSpec?
        switch kind {
        case .shell?:
            if v.member(members, "agent") != nil {
                v.report("$.agent", "a shell job has no agent section", fix: "remove \"agent\", or set \"kind\": \"agent\"")
            }
            if let elements = v.array(members, "steps", in: "$", maxCount: SpecLimits.maxSteps, required: true, example: "[{\"name\": \"hello\", \"run\": \"echo hello\"}]") {
                if elements.isEmpty {
                    v.report("$.steps", "a shell job needs at least one step", fix: "add a step such as {\"name\": \"hello\", \"run\": \"echo hello\"}")
                }
                steps = readSteps(elements, deadline: deadline, with: &v)
            }
        case .agent?:
            if v.member(members, "steps") != nil {
                v.report("$.steps", "an agent job has no steps; the model decides what to run", fix: "remove \"steps\", or set \"kind\": \"shell\"")
            }
            if let section = v.requireMember(members, "agent", in: "$", example: "{\"model\": \"claude-sonnet-4-5\", \"prompt\": \"...\"}") {
                agent = readAgent(section, with: &v)
                if agent?.egress == .sandbox, sandbox.provider == .local {
                    v.report(
                        "$.agent.egress",
                        "\"egress\": \"sandbox\" makes the model call from inside the sandbox, and local sandboxes have no network",
                        fix: "use \"provider\": \"e2b\" in \"sandbox\", or \"egress\": \"worker\""
                    )
                }
            }
        case nil:
            break
        }
        guard let kind else { return nil }
        return JobSpec(
            kind: kind,
            name: name,
            idempotencyKey: key,
            deadlineSeconds: deadline,
            sandbox: sandbox,
            steps: steps,
            agent: agent,
            collect: collect
        )
    }

    private static func readSandbox(_ value: JSONValue, with v: inout SpecValidator) -> SandboxSpec {
        let path = "$.sandbox"
        guard let members = v.object(value, at: path, allowed: sandboxFields) else { return SandboxSpec() }
        var sandbox = SandboxSpec()
        sandbox.provider = v.choice(members, "provider", in: path, as: SandboxSpec.Provider.self) ?? .local
        sandbox.template = v.string(members, "template", in: path, maxBytes: 128, example: "\"base\"")
        if sandbox.template != nil, sandbox.provider != .e2b {
            v.report("\(path).template", "templates are an E2B setting", fix: "remove \"template\", or set \"provider\": \"e2b\"")
        }
        if v.member(members, "isolation") != nil, sandbox.provider != .local {
            v.report("\(path).isolation", "isolation is a local-sandbox setting; E2B sandboxes are microVMs", fix: "remove \"isolation\"")
        }
        sandbox.isolation = v.choice(members, "isolation", in: path, as: SandboxSpec.Isolation.self) ?? .bubblewrap
        sandbox.timeoutSeconds =
            v.integer(members, "timeoutSeconds", in: path, range: SpecLimits.sandboxTimeoutSeconds, unit: "seconds")
            ?? SpecLimits.defaultSandboxTimeoutSeconds
        sandbox.env = readEnv(members, in: path, with: &v)
        sandbox.secrets = readSecrets(members, in: path, env: sandbox.env, with: &v)
        if let limits = v.member(members, "limits") {
            sandbox.limits = readLimits(limits, with: &v)
        }
        sandbox.mounts = readMounts(members, in: path, provider: sandbox.provider, with: &v)
        return sandbox
    }

    private static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 128 else { return false }
        let isStart = { (byte: UInt8) in byte == UInt8(ascii: "_") || (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
        return isStart(first) && name.utf8.allSatisfy { isStart($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }

    private static func readEnv(_ members: JSONObject, in path: String, with v: inout SpecValidator) -> [String: String] {
        let location = "\(path).env"
        guard let value = v.member(members, "env") else { return [:] }
        guard case .object(let entries) = value else {
            v.report(location, "expected an object of NAME: \"value\" pairs, found \(value.typeName)", fix: "write e.g. {\"GREETING\": \"hi\"}")
            return [:]
        }
        guard entries.count <= SpecLimits.maxEnvEntries else {
            v.report(location, "has \(entries.count) variables; the limit is \(SpecLimits.maxEnvEntries)", fix: "pass fewer variables, or put settings in a mounted file")
            return [:]
        }
        var env: [String: String] = [:]
        var total = 0
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let entryPath = "\(location).\(name)"
            guard isVariableName(name) else {
                v.report(entryPath, "\"\(name)\" is not a valid variable name", fix: "use letters, digits and underscores, not starting with a digit")
                continue
            }
            guard case .string(let text) = entry else {
                v.report(entryPath, "expected a string, found \(entry.typeName)", fix: "quote the value, e.g. \"\(name)\": \"1\"")
                continue
            }
            guard text.utf8.count <= SpecLimits.maxEnvValueBytes else {
                v.report(entryPath, "is \(text.utf8.count) bytes; the limit is \(SpecLimits.maxEnvValueBytes)", fix: "put large values in a mounted file")
                continue
            }
            guard !text.utf8.contains(0) else {
                v.report(entryPath, "contains a NUL byte", fix: "remove it")
                continue
            }
            total += name.utf8.count + text.utf8.count
            env[name] = text
        }
        if total > SpecLimits.maxEnvTotalBytes {
            v.report(location, "holds \(total) bytes in all; the limit is \(SpecLimits.maxEnvTotalBytes)", fix: "put large values in a mounted file")
        }
        return env
    }

    private static func readSecrets(_ members: JSONObject, in path: String, env: [String: String], with v: inout SpecValidator) -> [String] {
        let location = "\(path).secrets"
        guard let elements = v.array(members, "secrets", in: path, maxCount: SpecLimits.maxSecrets, example: "[\"SOME_TOKEN\"]") else { return [] }
        var secrets: [String] = []
        for (index, element) in elements.enumerated() {
            let elementPath = "\(location)[\(index)]"
            guard case .string(let name) = element else {
                v.report(elementPath, "expected a secret name, found \(element.typeName)", fix: "list secret names such as \"SOME_TOKEN\"; never put secret values in a spec")
                continue
            }
            guard isVariableName(name) else {
                v.report(elementPath, "\"\(name)\" is not a valid secret name", fix: "name the secret as an environment variable, e.g. SOME_TOKEN; never put secret values in a spec")
                continue
            }
            if secrets.contains(name) {
                v.report(elementPath, "\"\(name)\" is listed twice", fix: "list each secret once")
                continue
            }
            if env[name] != nil {
                v.report(elementPath, "\"\(name)\" is also set in env", fix: "remove it from env; the secret's value comes from the worker")
                continue
            }
            secrets.append(name)
        }
        return secrets
    }

    private static func readLimits(_ value: JSONValue, with v: inout SpecValidator) -> ResourceLimits {
        let path = "$.sandbox.limits"
        guard let members = v.object(value, at: path, allowed: limitsFields) else { return ResourceLimits() }
        let defaults = ResourceLimits()
        return ResourceLimits(
            memoryMiB: v.integer(members, "memoryMiB", in: path, range: SpecLimits.memoryMiB, unit: "MiB") ?? defaults.memoryMiB,
            cpuSeconds: v.integer(members, "cpuSeconds", in: path, range: SpecLimits.cpuSeconds, unit: "seconds") ?? defaults.cpuSeconds,
            outputBytes: v.integer(members, "outputBytes", in: path, range: SpecLimits.outputBytes, unit: "bytes") ?? defaults.outputBytes,
            processes: v.integer(members, "processes", in: path, range: SpecLimits.processes, unit: "processes") ?? defaults.processes,
            fileSizeMiB: v.integer(members, "fileSizeMiB", in: path, range: SpecLimits.fileSizeMiB, unit: "MiB") ?? defaults.fileSizeMiB
        )
    }

    /// Whether `path` is absolute and normalized: no empty, `.` or `..` components and no
    /// trailing slash.
    static func isNormalizedAbsolutePath(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path != "/", !path.hasSuffix("/") else { return false }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }

    private static func readMounts(_ members: JSONObject, in path: String, provider: SandboxSpec.Provider, with v: inout SpecValidator) -> [MountSpec] {
        let location = "\(path).mounts"
        guard let elements = v.array(members, "mounts", in: path, maxCount: SpecLimits.maxMounts, example: "[{\"host\": \"/srv/data\", \"sandbox\": \"/mnt/data\"}]") else { return [] }
        if provider != .local, !elements.isEmpty {
            v.report(location, "host mounts are only possible in local sandboxes", fix: "remove \"mounts\", or upload files to the E2B sandbox")
            return []
        }
        var mounts: [MountSpec] = []
        for (index, element) in elements.enumerated() {
            let mountPath = "\(location)[\(index)]"
            guard let fields = v.object(element, at: mountPath, allowed: mountFields) else { continue }
            let host = v.string(fields, "host", in: mountPath, maxBytes: SpecLimits.maxPathBytes, required: true, example: "\"/absolute/host/dir\"")
            let target = v.string(fields, "sandbox", in: mountPath, maxBytes: SpecLimits.maxPathBytes, required: true, example: "\"/mnt/data\"")
            let readOnly = v.bool(fields, "readOnly", in: mountPath) ?? true
            if let host, !isNormalizedAbsolutePath(host) {
                v.report("\(mountPath).host", "\"\(host)\" is not a normalized absolute path", fix: "write an absolute path without '.', '..', '//' or a trailing slash")
            }
            if let target {
                if !isNormalizedAbsolutePath(target) {
                    v.report("\(mountPath).sandbox", "\"\(target)\" is not a normalized absolute path", fix: "write an absolute path such as /mnt/data")
                } else if let reserved = SpecLimits.reservedSandboxPaths.first(where: { target == $0 || target.hasPrefix($0 + "/") }) {
                    v.report("\(mountPath).sandbox", "\"\(target)\" lies under \(reserved), which the sandbox provides itself", fix: "mount somewhere else, e.g. /mnt/data")
                } else if mounts.contains(where: { $0.sandbox == target }) {
                    v.report("\(mountPath).sandbox", "\"\(target)\" is already a mount target", fix: "give each mount its own sandbox path")
                }
            }
            if let host, let target {
                mounts.append(MountSpec(host: host, sandbox: target, readOnly: readOnly))
            }
        }
        return mounts
    }

    private static func readSteps(_ elements: [JSONValue], deadline: Int, with v: inout SpecValidator) -> [StepSpec] {
        var steps: [StepSpec] = []
        for (index, element) in elements.enumerated() {
            let path = "$.steps[\(index)]"
            guard let fields = v.object(element, at: path, allowed: stepFields) else { continue }
            let name = v.string(fields, "name", in: path, maxBytes: SpecLimits.maxLabelBytes) ?? "step-\(index + 1)"
            if steps.contains(where: { $0.name == name }) {
                v.report("\(path).name", "\"\(name)\" names an earlier step too", fix: "give each step its own name")
            }
            let run = v.string(fields, "run", in: path, maxBytes: SpecLimits.maxCommandBytes, required: true, multiline: true, example: "\"echo hello\"")
            let explicitTimeout = v.integer(fields, "timeoutSeconds", in: path, range: SpecLimits.stepTimeoutSeconds, unit: "seconds")
            if let explicitTimeout, explicitTimeout > deadline {
                v.report("\(path).timeoutSeconds", "the step may run \(explicitTimeout) s but the run's deadline is \(deadline) s", fix: "lower timeoutSeconds or raise deadlineSeconds")
            }
            let timeout = explicitTimeout ?? min(SpecLimits.defaultStepTimeoutSeconds, deadline)
            var retry = RetryPolicy()
            if let retryValue = v.member(fields, "retry") {
                let retryPath = "\(path).retry"
                if let retryFields = v.object(retryValue, at: retryPath, allowed: retryFields) {
                    retry.maxAttempts = v.integer(retryFields, "maxAttempts", in: retryPath, range: SpecLimits.maxAttempts, unit: "attempts") ?? retry.maxAttempts
                    retry.backoffMilliseconds = v.milliseconds(retryFields, "backoffSeconds", in: retryPath, range: SpecLimits.backoffMilliseconds) ?? retry.backoffMilliseconds
                }
            }
            let idempotent = v.bool(fields, "idempotent", in: path) ?? false
            if let run {
                steps.append(StepSpec(name: name, run: run, timeoutSeconds: timeout, retry: retry, idempotent: idempotent))
            }
        }
        return steps
    }

    private static func readAgent(_ value: JSONValue, with v: inout SpecValidator) -> AgentSpec? {
        let path = "$.agent"
        guard let members = v.object(value, at: path, allowed: agentFields) else { return nil }
        let model = v.string(members, "model", in: path, maxBytes: 128, required: true, example: "\"claude-sonnet-4-5\"")
        if let model, !model.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            v.report("\(path).model", "\"\(model)\" is not a model name", fix: "use the model's API name, e.g. claude-sonnet-4-5")
        }
        let system = v.string(members, "system", in: path, maxBytes: SpecLimits.maxPromptBytes, multiline: true)
        let prompt = v.string(members, "prompt", in: path, maxBytes: SpecLimits.maxPromptBytes, required: true, multiline: true, example: "\"Create hello.txt containing hi.\"")
        var tools = AgentSpec.Tool.allCases
        if let elements = v.array(members, "tools", in: path, maxCount: AgentSpec.Tool.allCases.count, example: "[\"shell\"]") {
            tools = []
            for (index, element) in elements.enumerated() {
                guard let tool = v.choice(element, at: "\(path).tools[\(index)]", as: AgentSpec.Tool.self) else { continue }
                if tools.contains(tool) {
                    v.report("\(path).tools[\(index)]", "\"\(tool.rawValue)\" is listed twice", fix: "list each tool once")
                } else {
                    tools.append(tool)
                }
            }
        }
        let maxTurns = v.integer(members, "maxTurns", in: path, range: SpecLimits.maxTurns, unit: "turns") ?? 20
        let maxTokens = v.integer(members, "maxTokens", in: path, range: SpecLimits.maxTokens, unit: "tokens") ?? 4096
        let egress = v.choice(members, "egress", in: path, as: AgentSpec.Egress.self) ?? .worker
        let budget = v.integer(members, "tokenBudget", in: path, range: SpecLimits.tokenBudget, unit: "tokens")
        guard let model, let prompt else { return nil }
        return AgentSpec(
            model: model,
            system: system,
            prompt: prompt,
            maxTurns: maxTurns,
            maxTokens: maxTokens,
            tools: tools,
            egress: egress,
            tokenBudget: budget
        )
    }

    private static func readCollect(_ members: JSONObject, with v: inout SpecValidator) -> [String] {
        guard let elements = v.array(members, "collect", in: "$", maxCount: SpecLimits.maxCollectPaths, example: "[\"out/report.txt\"]") else { return [] }
        var paths: [String] = []
        for (index, element) in elements.enumerated() {
            let location = "$.collect[\(index)]"
            guard let path = v.text(element, at: location, maxBytes: SpecLimits.maxPathBytes, example: "\"out/report.txt\"") else { continue }
            if !isNormalizedAbsolutePath("/" + path) {
                v.report(location, "\"\(path)\" is not a normalized path inside the workspace", fix: "write a relative path without '.', '..', '//' or a leading or trailing slash")
            } else if paths.contains(path) {
                v.report(location, "\"\(path)\" is listed twice", fix: "list each path once")
            } else {
                paths.append(path)
            }
        }
        return paths
    }
}
