import RunStateMachine

extension E2BSandboxProvider {
    /// What a `POST` made from inside the sandbox came to.
    public enum EgressResult: Sendable {
        /// An HTTP answer arrived.
        case answer(WorkerHTTP.Answer)
        /// curl failed before an answer: `connected` says whether the request may have been sent.
        case transport(reason: String, connected: Bool)
    }

    /// Makes one `POST` of `body` to `url` from inside the sandbox with curl, as root: the
    /// request's `secret` header (the API key) reaches only root's command, through a root-only
    /// file written by a shell builtin, never argv, so commands of the sandbox's user (the
    /// agent's tools) cannot read it. The call runs at most once per `key` under
    /// ``E2BCommandScript``; a worker that died mid-call reads the same call's answer.
    public func post(
        from id: SandboxID,
        key: String,
        url: String,
        headers: [(String, String)],
        secret: (name: String, value: String),
        body: [UInt8],
        timeoutSeconds: Int
    ) async throws -> EgressResult {
        let raw = try Self.raw(id)
        let token = try await token(raw)
        let relative = ".runlog/http/\(E2BCommandScript.tag(key))"
        try await client.writeFile(in: raw, token: token, path: "\(Account.root.home)/\(relative)/request", bytes: body, user: Account.root.user)
        let plain = headers.map { "-H '\($0.0): \($0.1.filter { $0 != "'" })'" }.joined(separator: " ")
        let command = """
            umask 077; D="$HOME/\(relative)"
            printf '%s: %s\\n' "$RUNLOG_SECRET_HEADER" "$RUNLOG_SECRET_VALUE" > "$D/auth"
            curl -sS -i --max-time \(timeoutSeconds) -X POST -H 'Expect:' -H @"$D/auth" \(plain) --data-binary @"$D/request" "$RUNLOG_URL"
            rc=$?; rm -f "$D/auth"; exit $rc
            """
        let request = CommandRequest(
            key: key,
            command: command,
            timeoutSeconds: timeoutSeconds + 10,
            environment: ["RUNLOG_URL": url, "RUNLOG_SECRET_HEADER": secret.name],
            secrets: ["RUNLOG_SECRET_VALUE": secret.value]
        )
        try await start(request, in: id, as: .root)
        let result = try await wait(forCommand: key, in: id, as: .root)
        let output = try await streams(raw, token: token, directory: E2BCommandScript.directory(home: Account.root.home, key: key), as: .root)
        switch result.exit {
        case .exited(code: 0):
            guard let answer = Self.parseResponse(output.stdout) else {
                return .transport(reason: "curl's output in the sandbox is not an HTTP response", connected: true)
            }
            return .answer(answer)
        case .exited(let code):
            let message = String(decoding: output.stderr.prefix(300), as: UTF8.self).trimmingSuffixNewlines()
            // 6: cannot resolve, 7: cannot connect: nothing was sent.
            return .transport(reason: "curl in the sandbox failed (exit \(code)): \(message)", connected: code != 6 && code != 7)
        default:
            return .transport(reason: "the call from the sandbox ended: \(result.exit)", connected: true)
        }
    }

    /// Splits `curl -i` output into the final status, headers (lower-cased) and body, skipping
    /// interim blocks (1xx, a proxy's `Connection established`).
    static func parseResponse(_ bytes: [UInt8]) -> WorkerHTTP.Answer? {
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            guard rest.starts(with: "HTTP/".utf8), let end = rest.firstRange(of: separator) else { return nil }
            let head = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self)
            var lines = head.split(separator: "\r\n")
            let statusLine = lines.removeFirst().split(separator: " ")
            guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
            rest = rest[end.upperBound...]
            if status < 200 || head.contains("Connection established") {
                continue
            }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingPrefixSpaces()
            }
            return WorkerHTTP.Answer(status: status, headers: headers, body: Array(rest))
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingPrefixSpaces() -> String { String(drop { $0 == " " || $0 == "\t" }) }
    fileprivate func trimmingSuffixNewlines() -> String { String(self).split(separator: "\n").joined(separator: " ") }
}
