import Journal
import RunStateMachine
import SystemSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a PostgreSQL journal lives, from a `postgres://` URL in libpq's form:
/// `postgres://user:password@host:port/database?sslmode=require&sslrootcert=/ca.pem&options=-csearch_path%3Dtenant`.
///
/// The password comes from the URL, else from `PGPASSWORD`; it is kept out of every
/// description (``redacted``), error and log line.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is encrypted, as libpq's `sslmode`.
    public enum TLSMode: String, Sendable, Hashable {
        /// Never.
        case disable
        /// If the server offers it (certificates are not checked): libpq's default.
        case prefer
        /// Always; the certificate is not checked.
        case require
        /// Always, with a certificate signed by a trusted authority.
        case verifyCA = "verify-ca"
        /// Always, with a trusted certificate for the host name.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The role to connect as.
    public var user: String
    /// The role's password, if any.
    public var password: String?
    /// The database.
    public var database: String
    /// The TLS mode.
    public var tls: TLSMode
    /// A file of trusted certificate authorities (PEM), for `verify-ca` and `verify-full`.
    public var rootCertificate: String?
    /// Extra run-time settings for the session, in libpq's `options` form (`-c name=value …`).
    public var sessionOptions: String?
    /// The name the sessions show in `pg_stat_activity` (`application_name`; `runlog` unless the
    /// URL names another, to tell workers apart).
    public var applicationName = "runlog"

    /// Whether `text` names a PostgreSQL database rather than an SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// The location a URL names.
    ///
    /// - Parameter environment: Where `PGPASSWORD` and `PGUSER` are read from.
    /// - Throws: ``JournalError`` with code ``JournalError/Code/invalidInput`` saying what is wrong
    ///   with the URL (never repeating its password).
    public init(url: String, environment: [String: String] = PostgresLocation.processEnvironment()) throws(JournalError) {
        guard Self.isURL(url) else {
            throw JournalError(.invalidInput, "a PostgreSQL journal is named by a URL such as postgres://user@host:5432/runlog")
        }
        var rest = url.drop { $0 != ":" }.dropFirst(3)
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var authority = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        var user: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.decode(credentials[..<colon], part: "user name")
                password = try Self.decode(credentials[credentials.index(after: colon)...], part: "password")
            } else {
                user = try Self.decode(credentials, part: "user name")
            }
        }
        var host = String(authority)
        var port = 5432
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            let digits = authority[authority.index(after: colon)...]
            guard let number = Int(digits), (1...65535).contains(number) else {
                throw JournalError(.invalidInput, "the port in the PostgreSQL URL, '\(digits.prefix(12))', is not a number from 1 to 65535")
            }
            port = number
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        var tls = TLSMode.prefer
        var rootCertificate: String?
        var sessionOptions: String?
        var applicationName: String?
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = String(parts[0])
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", part: name)
            switch name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw JournalError(.invalidInput, "sslmode '\(value.prefix(20))' is not one of disable, prefer, require, verify-ca, verify-full")
                }
                tls = mode
            case "sslrootcert": rootCertificate = value
            case "options": sessionOptions = value
            case "host": host = value
            case "port":
                guard let number = Int(value), (1...65535).contains(number) else {
                    throw JournalError(.invalidInput, "port '\(value.prefix(12))' is not a number from 1 to 65535")
                }
                port = number
            case "user": user = value
            case "password": password = value
            case "dbname": path = Substring(value)
            case "application_name": applicationName = value
            case "connect_timeout": continue
            default:
                throw JournalError(
                    .invalidInput,
                    "the PostgreSQL URL has a parameter '\(name.prefix(40))' Runlog does not know (it knows sslmode, sslrootcert, options, application_name, host, port, user, password, dbname)"
                )
            }
        }
        guard !host.isEmpty else {
            throw JournalError(.invalidInput, "the PostgreSQL URL names no host; write postgres://user@host:5432/database")
        }
        let database = try Self.decode(path, part: "database name")
        guard !database.isEmpty else {
            throw JournalError(.invalidInput, "the PostgreSQL URL names no database; write postgres://user@\(host):\(port)/database")
        }
        self.host = host
        self.port = port
        self.user = user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        self.password = password ?? environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        self.database = database
        self.tls = tls
        self.rootCertificate = rootCertificate
        self.sessionOptions = sessionOptions
        if let applicationName, !applicationName.isEmpty { self.applicationName = applicationName }
    }

    /// The URL without its password: what messages and logs name.
    public var redacted: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        var text = "postgres://\(user)@\(bracketed):\(port)/\(database)"
        if tls != .prefer { text += "?sslmode=\(tls.rawValue)" }
        return text
    }

    /// The URL of this location with every setting but the password (percent-encoded where
    /// needed): what a process started by this one is given, the password going by
    /// `PGPASSWORD` in its environment, never in its arguments.
    public var urlWithoutPassword: String {
        let encoded = PercentEncoding.encode
        let bracketed = host.contains(":") ? "[\(host)]" : encoded(host)
        var parameters = ["sslmode=\(tls.rawValue)", "application_name=\(encoded(applicationName))"]
        if let rootCertificate { parameters.append("sslrootcert=\(encoded(rootCertificate))") }
        if let sessionOptions { parameters.append("options=\(encoded(sessionOptions))") }
        return "postgres://\(encoded(user))@\(bracketed):\(port)/\(encoded(database))?" + parameters.joined(separator: "&")
    }

    /// ``redacted``.
    public var description: String { redacted }

    /// The process's environment.
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// Percent-decodes one part of the URL.
    private static func decode(_ text: Substring, part: String) throws(JournalError) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first < utf8.endIndex, utf8.index(after: first) < utf8.endIndex,
                    let high = ContentHash.hexDigitValue(utf8[first]), let low = ContentHash.hexDigitValue(utf8[utf8.index(after: first)])
                else {
                    throw JournalError(.invalidInput, "the \(part) in the PostgreSQL URL has a '%' not followed by two hex digits")
                }
                bytes.append(high << 4 | low)
                index = utf8.index(first, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw JournalError(.invalidInput, "the \(part) in the PostgreSQL URL is not UTF-8 once decoded")
        }
        return decoded
    }
}
