/// Where and how the worker reaches E2B: the control plane (create, list, kill, lease) and the
/// envd daemon inside each sandbox (commands and files), through E2B's sandbox proxy.
///
/// The API key is the worker's secret `E2B_API_KEY`, resolved when each call is made.
public struct E2BConfiguration: Hashable, Sendable {
    /// The name of the worker secret that holds the API key.
    public static let apiKeySecret = "E2B_API_KEY"
    /// E2B's default domain.
    public static let defaultDomain = "e2b.app"

    /// The control plane, e.g. `https://api.e2b.app`.
    public var apiURL: String
    /// The sandbox proxy in front of every sandbox's envd, e.g. `https://sandbox.e2b.app`
    /// (the sandbox is named by the `E2b-Sandbox-Id` header).
    public var sandboxURL: String
    /// The template sandboxes are created from unless the spec names one.
    public var template: String
    /// The longest one control-plane or envd call may take.
    public var requestTimeoutSeconds: Int
    /// Tags every sandbox this worker creates, so the orphan sweep lists only its own journal's
    /// sandboxes (`[A-Za-z0-9._-]`).
    public var scope: String

    /// Creates a configuration for `domain`.
    public init(domain: String = E2BConfiguration.defaultDomain, template: String = "base", requestTimeoutSeconds: Int = 60, scope: String = "default") {
        self.apiURL = "https://api.\(domain)"
        self.sandboxURL = "https://sandbox.\(domain)"
        self.template = template
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.scope = scope
    }

    /// The configuration the environment gives: `E2B_DOMAIN`, `E2B_API_URL`, `E2B_SANDBOX_URL`,
    /// `E2B_TEMPLATE`, each defaulted when unset.
    ///
    /// - Throws: ``ConfigurationError`` for a URL that is not http(s).
    public static func fromEnvironment(_ environment: [String: String], scope: String) throws(ConfigurationError) -> E2BConfiguration {
        var configuration = E2BConfiguration(domain: environment["E2B_DOMAIN"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDomain, scope: scope)
        for (name, apply) in [("E2B_API_URL", { (c: inout E2BConfiguration, v: String) in c.apiURL = v }), ("E2B_SANDBOX_URL", { $0.sandboxURL = $1 })] {
            guard let value = environment[name], !value.isEmpty else { continue }
            guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
                throw ConfigurationError(setting: name, problem: "'\(value)' is not an http(s) URL", fix: "set it like https://api.e2b.app")
            }
            apply(&configuration, value.hasSuffix("/") ? String(value.dropLast()) : value)
        }
        if let template = environment["E2B_TEMPLATE"], !template.isEmpty {
            configuration.template = template
        }
        return configuration
    }
}
