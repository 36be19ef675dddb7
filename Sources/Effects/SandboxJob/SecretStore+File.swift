extension SecretStore {
    /// The secrets of the file at `path` (see ``SecretsFile``: read again when it changes), then
    /// the worker's environment for names the file does not have.
    ///
    /// - Throws: ``ConfigurationError`` if the file cannot be used (see ``SecretsFile/init(path:)``).
    public static func file(at path: String) throws(ConfigurationError) -> SecretStore {
        SecretStore(file: try SecretsFile(path: path))
    }
}
