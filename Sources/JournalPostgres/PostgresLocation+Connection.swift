import Journal
import NIOSSL
import PostgresNIO

extension PostgresLocation {
    /// How postgres-nio connects here: TLS as ``tls`` asks (libpq's meaning of each mode), the
    /// session options, and a ten-second connect timeout.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/invalidInput`` if the TLS settings
    ///   cannot be set up (a root certificate file that does not load).
    package func connectionConfiguration() throws(JournalError) -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        if tls == .disable {
            tlsSetting = .disable
        } else {
            var settings = TLSConfiguration.makeClientConfiguration()
            switch tls {
            case .disable, .prefer, .require: settings.certificateVerification = .none
            case .verifyCA: settings.certificateVerification = .noHostnameVerification
            case .verifyFull: settings.certificateVerification = .fullVerification
            }
            if let rootCertificate {
                settings.trustRoots = .file(rootCertificate)
            }
            do {
                let context = try NIOSSLContext(configuration: settings)
                tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
            } catch {
                throw JournalError(.invalidInput, "the TLS settings for \(redacted) cannot be used: \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)] + (sessionOptions.map { [("options", $0)] } ?? [])
        return configuration
    }
}
