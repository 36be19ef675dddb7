/// Where and how the worker calls Anthropic's Messages API.
///
/// The API key is not part of the configuration: it is the worker's secret `ANTHROPIC_API_KEY`,
/// resolved from the ``SecretStore`` when each call is made, and never recorded.
public struct AnthropicConfiguration: Hashable, Sendable {
    /// How the key is sent.
    public enum AuthStyle: String, Hashable, Sendable, CaseIterable {
        /// `x-api-key: <key>`, the long-stable documented form.
        case xAPIKey = "x-api-key"
        /// `Authorization: Bearer <key>`, as the 2.x SDKs send it.
        case bearer
    }

    /// The name of the worker secret that holds the API key.
    public static let apiKeySecret = "ANTHROPIC_API_KEY"
    /// The public API.
    public static let defaultBaseURL = "https://api.anthropic.com"
    /// The documented, long-stable API version.
    public static let defaultVersion = "2023-06-01"

    /// The API's base URL, without a trailing slash.
    public var baseURL: String
    /// The `anthropic-version` header's value.
    public var version: String
    /// How the key is sent.
    public var authStyle: AuthStyle
    /// The longest a call may take, from sending the request to the last byte of the response.
    public var requestTimeoutSeconds: Int
    /// The largest response body read; a longer one is an unreadable response.
    public var maxResponseBytes: Int

    /// Creates a configuration.
    public init(
        baseURL: String = AnthropicConfiguration.defaultBaseURL,
        version: String = AnthropicConfiguration.defaultVersion,
        authStyle: AuthStyle = .xAPIKey,
        requestTimeoutSeconds: Int = 600,
        maxResponseBytes: Int = 8 << 20
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.version = version
        self.authStyle = authStyle
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.maxResponseBytes = maxResponseBytes
    }

    /// The configuration the worker's environment gives: `ANTHROPIC_BASE_URL`,
    /// `ANTHROPIC_VERSION`, `ANTHROPIC_AUTH_STYLE` (`x-api-key` or `bearer`) and
    /// `ANTHROPIC_TIMEOUT_SECONDS`, each defaulted when unset.
    ///
    /// - Throws: ``ConfigurationError`` naming the variable whose value is not understood.
    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> AnthropicConfiguration {
        var configuration = AnthropicConfiguration()
        if let url = environment["ANTHROPIC_BASE_URL"], !url.isEmpty {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigurationError(setting: "ANTHROPIC_BASE_URL", problem: "'\(url)' is not an http(s) URL", fix: "set it like https://api.anthropic.com")
            }
            configuration = AnthropicConfiguration(baseURL: url)
        }
        if let version = environment["ANTHROPIC_VERSION"], !version.isEmpty {
            configuration.version = version
        }
        if let style = environment["ANTHROPIC_AUTH_STYLE"], !style.isEmpty {
            guard let parsed = AuthStyle(rawValue: style) else {
                throw ConfigurationError(setting: "ANTHROPIC_AUTH_STYLE", problem: "'\(style)' is not a known style", fix: "use x-api-key or bearer")
            }
            configuration.authStyle = parsed
        }
        if let timeout = environment["ANTHROPIC_TIMEOUT_SECONDS"], !timeout.isEmpty {
            guard let seconds = Int(timeout), (1...86_400).contains(seconds) else {
                throw ConfigurationError(
                    setting: "ANTHROPIC_TIMEOUT_SECONDS",
                    problem: "'\(timeout)' is not a whole number of seconds from 1 to 86400",
                    fix: "set it like 600"
                )
            }
            configuration.requestTimeoutSeconds = seconds
        }
        return configuration
    }
}
