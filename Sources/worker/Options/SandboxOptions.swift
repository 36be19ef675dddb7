import ArgumentParser
import Effects
import RunStateMachine
import Runtime

#if canImport(Glibc)
import Glibc
#endif

/// Where a worker keeps sandboxes and artifacts, and whether it may run sandboxes unisolated.
struct SandboxOptions: ParsableArguments {
    @Option(help: "Directory for local sandboxes (default: /var/tmp/runlog-<uid>/<hash of the database path>).")
    var sandboxes: String?

    @Option(help: "Directory for collected artifacts (default: <db>.artifacts).")
    var artifacts: String?

    @Flag(help: "Run sandboxes that ask for bubblewrap without isolation when it is not installed.")
    var allowUnisolated = false

    @Option(help: "A file of NAME=value secrets (mode 600), looked up before the worker's environment.")
    var secretsFile: String?

    /// The worker's secrets: `--secrets-file`, then its environment.
    ///
    /// - Throws: ``ConfigurationError`` for a secrets file not understood, or readable by others.
    func secrets() throws(ConfigurationError) -> SecretStore {
        try secretsFile.map { path throws(ConfigurationError) in try SecretStore.file(at: path) } ?? .environment
    }

    /// The sandbox root for the database at `database`.
    func root(forDatabase database: String) -> String {
        if let sandboxes { return Self.absolute(sandboxes) }
        let path = Self.scoped(database)
        let digest = ContentHash.sha256Hex(Array(path.utf8)).prefix(16)
        return "/var/tmp/runlog-\(geteuid())/\(digest)"
    }

    /// The executor of sandbox jobs for the database at `database`: its secrets from
    /// `--secrets-file` and the environment, its model API from the environment
    /// (``AnthropicConfiguration/fromEnvironment(_:)``).
    ///
    /// - Throws: ``ConfigurationError`` for a secrets file or model setting not understood.
    func executor(forDatabase database: String, clock: any RuntimeClock = SystemClock()) throws(ConfigurationError) -> SandboxJobExecutor {
        let local = LocalSandboxProvider(
            options: LocalSandboxOptions(
                root: root(forDatabase: database),
                supervisorPath: LocalSandboxOptions.defaultSupervisorPath(),
                allowUnisolated: allowUnisolated
            )
        )
        let secrets = try self.secrets()
        let environment = ProcessEnvironment.current()
        // E2B sandboxes are tagged with this journal's scope, so the orphan sweep ends only its own.
        let scope = "runlog-" + ContentHash.sha256Hex(Array(Self.scoped(database).utf8)).prefix(16)
        let e2b = E2BClient(configuration: try E2BConfiguration.fromEnvironment(environment, scope: String(scope))) {
            try? secrets.resolve([E2BConfiguration.apiKeySecret]).get()[E2BConfiguration.apiKeySecret]
        }
        let effects = SandboxJobPerformer(
            local: local,
            e2b: E2BSandboxProvider(client: e2b, now: { clock.now() }),
            secrets: secrets,
            artifactsDirectory: artifacts.map(Self.absolute) ?? Self.absolute(database) + ".artifacts",
            model: AnthropicClient(configuration: try AnthropicConfiguration.fromEnvironment(environment)),
            sinks: try Self.statusSinks(environment, secrets: secrets),
            now: { clock.now() }
        )
        return SandboxJobExecutor(performer: effects)
    }

    /// The journal's name as the sandboxes' scope: a file's absolute path, a server's URL as
    /// given (without its password), the same on every host.
    static func scoped(_ database: String) -> String {
        database.contains("://") ? database : absolute(database)
    }

    /// `path` made absolute against the working directory (its parent resolved, so two
    /// spellings of one database share one sandbox root).
    static func absolute(_ path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let resolved = realpath(directory.isEmpty ? "/" : directory, nil) else {
            return path.hasPrefix("/") ? path : "\(currentDirectory())/\(path)"
        }
        defer { free(resolved) }
        let base = String(cString: resolved)
        return base == "/" ? "/\(name)" : "\(base)/\(name)"
    }

    /// The status sinks the environment configures: PostgREST with `RUNLOG_POSTGREST_URL`
    /// (`RUNLOG_POSTGREST_TABLE`, default `runlog_runs`; `RUNLOG_POSTGREST_EVENTS_TABLE`; secret
    /// `POSTGREST_API_KEY`), a webhook with `RUNLOG_WEBHOOK_URL` (secret `RUNLOG_WEBHOOK_SECRET`).
    static func statusSinks(_ environment: [String: String], secrets: SecretStore) throws(ConfigurationError) -> [any StatusSink] {
        func secret(_ name: String) -> @Sendable () -> String? {
            { try? secrets.resolve([name]).get()[name] }
        }
        func url(_ name: String) throws(ConfigurationError) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
                throw ConfigurationError(setting: name, problem: "'\(value)' is not an http(s) URL", fix: "set it like https://<project>.supabase.co/rest/v1")
            }
            return value
        }
        var sinks: [any StatusSink] = []
        if let base = try url("RUNLOG_POSTGREST_URL") {
            let table = environment["RUNLOG_POSTGREST_TABLE"].flatMap { $0.isEmpty ? nil : $0 } ?? "runlog_runs"
            let events = environment["RUNLOG_POSTGREST_EVENTS_TABLE"].flatMap { $0.isEmpty ? nil : $0 }
            sinks.append(PostgRESTSink(baseURL: base, table: table, eventsTable: events, apiKey: secret(PostgRESTSink.apiKeySecret)))
        }
        if let hook = try url("RUNLOG_WEBHOOK_URL") {
            sinks.append(WebhookSink(url: hook, secret: secret(WebhookSink.signingSecret)))
        }
        return sinks
    }

    private static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "." }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}
