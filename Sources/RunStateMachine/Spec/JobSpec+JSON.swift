extension JobSpec: JSONCodable {
    /// Decodes a spec with the full validation of ``validate(json:)``.
    ///
    /// - Throws: ``JSONDecodingError`` carrying the first problem's path and message.
    public init(json: JSONValue) throws(JSONDecodingError) {
        do {
            self = try JobSpec.validate(json: json)
        } catch {
            let first = error.problems[0]
            throw JSONDecodingError(path: first.path, problem: "\(first.message) (\(error.problems.count) problem(s) in all)")
        }
    }

    /// The normalized spec: every field with its default filled in, optional ones only when set.
    ///
    /// Validating this form gives back an equal spec; the journal stores it and the idempotency
    /// check compares its hash.
    public var json: JSONValue {
        var members: JSONObject = [
            "deadlineSeconds": .int(Int64(deadlineSeconds)),
            "kind": .string(kind.rawValue),
            "sandbox": sandbox.json,
        ]
        if let name { members["name"] = .string(name) }
        if let idempotencyKey { members["idempotencyKey"] = .string(idempotencyKey) }
        if kind == .shell { members["steps"] = .array(steps.map(\.json)) }
        if let agent { members["agent"] = agent.json }
        if !collect.isEmpty { members["collect"] = .array(collect.map(JSONValue.string)) }
        return .object(members)
    }
}

extension SandboxSpec {
    /// The normalized sandbox section.
    var json: JSONValue {
        var members: JSONObject = [
            "limits": [
                "cpuSeconds": .int(Int64(limits.cpuSeconds)),
                "fileSizeMiB": .int(Int64(limits.fileSizeMiB)),
                "memoryMiB": .int(Int64(limits.memoryMiB)),
                "outputBytes": .int(Int64(limits.outputBytes)),
                "processes": .int(Int64(limits.processes)),
            ],
            "provider": .string(provider.rawValue),
            "timeoutSeconds": .int(Int64(timeoutSeconds)),
        ]
        if provider == .local { members["isolation"] = .string(isolation.rawValue) }
        if let template { members["template"] = .string(template) }
        if !env.isEmpty { members["env"] = .object(JSONObject(env.mapValues(JSONValue.string))) }
        if !secrets.isEmpty { members["secrets"] = .array(secrets.map(JSONValue.string)) }
        if !mounts.isEmpty {
            members["mounts"] = .array(
                mounts.map { ["host": .string($0.host), "readOnly": .bool($0.readOnly), "sandbox": .string($0.sandbox)] }
            )
        }
        return .object(members)
    }
}

extension StepSpec {
    /// The normalized step.
    var json: JSONValue {
        let backoff: JSONValue =
            retry.backoffMilliseconds % 1000 == 0
            ? .int(retry.backoffMilliseconds / 1000)
            : .double(Double(retry.backoffMilliseconds) / 1000)
        return [
            "idempotent": .bool(idempotent),
            "name": .string(name),
            "retry": ["backoffSeconds": backoff, "maxAttempts": .int(Int64(retry.maxAttempts))],
            "run": .string(run),
            "timeoutSeconds": .int(Int64(timeoutSeconds)),
        ]
    }
}

extension AgentSpec {
    /// The normalized agent section.
    var json: JSONValue {
        var members: JSONObject = [
            "egress": .string(egress.rawValue),
            "maxTokens": .int(Int64(maxTokens)),
            "maxTurns": .int(Int64(maxTurns)),
            "model": .string(model),
            "prompt": .string(prompt),
            "tools": .array(tools.map { .string($0.rawValue) }),
        ]
        if let system { members["system"] = .string(system) }
        if let tokenBudget { members["tokenBudget"] = .int(Int64(tokenBudget)) }
        return .object(members)
    }
}
