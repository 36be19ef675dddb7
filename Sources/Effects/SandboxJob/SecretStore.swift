#if canImport(Glibc)
import Glibc
#endif

/// Where secret values come from: named by specs, resolved by the worker at effect time only,
/// handed to sandboxes through the environment, never recorded.
public struct SecretStore: Sendable {
    private let values: [String: String]
    private let file: SecretsFile?
    private let readsEnvironment: Bool

    /// Secrets from the worker's environment, read when each effect fires.
    public static let environment = SecretStore(values: [:], file: nil, readsEnvironment: true)

    /// Fixed secrets (tests, a secrets file), then the worker's environment if
    /// `fallBackToEnvironment`.
    public init(values: [String: String], fallBackToEnvironment: Bool = false) {
        self.init(values: values, file: nil, readsEnvironment: fallBackToEnvironment)
    }

    /// The secrets of `file` (as it is when each effect fires), then the worker's environment.
    public init(file: SecretsFile) {
        self.init(values: [:], file: file, readsEnvironment: true)
    }

    private init(values: [String: String], file: SecretsFile?, readsEnvironment: Bool) {
        self.values = values
        self.file = file
        self.readsEnvironment = readsEnvironment
    }

    /// The value of every name, or the names that have none.
    public func resolve(_ names: [String]) -> Result<[String: String], MissingSecrets> {
        let (resolved, missing) = lookup(names)
        return missing.isEmpty ? .success(resolved) : .failure(MissingSecrets(names: missing))
    }

    /// The values of the names that have one, and the names that have none (the file is looked
    /// at once).
    func lookup(_ names: [String]) -> (resolved: [String: String], missing: [String]) {
        var resolved: [String: String] = [:]
        var missing: [String] = []
        let fromFile = file?.values() ?? [:]
        for name in names {
            if let value = fromFile[name] ?? values[name] ?? (readsEnvironment ? getenv(name).map { String(cString: $0) } : nil) {
                resolved[name] = value
            } else {
                missing.append(name)
            }
        }
        return (resolved, missing)
    }
}

/// Secrets a spec names that the worker does not have.
public struct MissingSecrets: Error, Hashable, Sendable, CustomStringConvertible {
    /// Their names.
    public var names: [String]

    /// What is missing and how to provide it.
    public var description: String {
        let list = names.map { "'\($0)'" }.joined(separator: ", ")
        return "the worker has no value for secret\(names.count == 1 ? "" : "s") \(list): set \(names.count == 1 ? "it" : "them") in the worker's environment or its --secrets-file and restart it"
    }
}
