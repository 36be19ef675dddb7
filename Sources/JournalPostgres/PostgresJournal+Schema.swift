import Journal
import Logging
import PostgresNIO

extension PostgresJournal {
    /// Checking the server and migrating the schema.
    enum Schema {
        /// The advisory lock migrations hold (with the schema's name): "RLOG".
        static let lockKey: Int32 = 0x524C_4F47

        /// Checks the server's durability and encoding, migrates (if `migrating`) under the
        /// advisory lock, and returns the schema version.
        static func prepare(_ connection: DatabaseSession, location: PostgresLocation, migrating: Bool, logger: Logger) async throws -> Int {
            let settings = try await connection.query(
                "SELECT current_setting('fsync'), current_setting('server_encoding'), current_setting('synchronous_commit')",
                logger: logger
            )
            for try await row in settings {
                let reader = PostgresRowReader(row)
                let (fsync, encoding, synchronous) = (try reader.text(0), try reader.text(1), try reader.text(2))
                guard fsync == "on" else {
                    throw JournalError(.unsafeSettings, "PostgreSQL at \(location.redacted) runs with fsync = \(fsync): a commit would not be durable; turn fsync on")
                }
                guard encoding == "UTF8" else {
                    throw JournalError(.unsafeSettings, "the database at \(location.redacted) is encoded in \(encoding); the journal needs a UTF8 database (createdb -E UTF8)")
                }
                guard synchronous == "on" else {
                    throw JournalError(.unsafeSettings, "PostgreSQL at \(location.redacted) keeps synchronous_commit = \(synchronous) for the journal's session; it must be on")
                }
            }
            guard migrating else {
                let version = try await currentVersion(connection, location: location, logger: logger)
                guard version > 0 else {
                    throw JournalError(.notFound, "the database at \(location.redacted) holds no journal yet; start a worker or submit a job first")
                }
                try check(version, location: location)
                return version
            }
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey), hashtext(current_schema()))", logger: logger)
                let current = try await currentVersion(connection, location: location, logger: logger)
                try check(current, location: location)
                guard current < schemaVersion else {
                    // Up to date: nothing is written, so a role that may not change the schema
                    // (docs/postgres-roles.sql) opens it too.
                    try await connection.query("COMMIT", logger: logger)
                    return current
                }
                for migration in Migration.postgres where migration.version > current {
                    do {
                        for statement in SQLScript.statements(migration.sql) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                    } catch {
                        throw JournalError(
                            .storage,
                            "\(location.redacted): migration \(migration.file) failed, so the database was left at schema \(current), unchanged: "
                                + PostgresFailure.journalError(error, at: location).message
                        )
                    }
                }
                try await connection.query("INSERT INTO runlog_schema (version) VALUES (\(schemaVersion)) ON CONFLICT (one) DO UPDATE SET version = excluded.version", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                await connection.rollBack(after: error, logger: logger)
                throw error
            }
            return schemaVersion
        }

        /// The schema version of the database's journal, 0 if it has none; refuses tables that
        /// are not a Runlog journal.
        static func currentVersion(_ connection: DatabaseSession, location: PostgresLocation, logger: Logger) async throws -> Int {
            let rows = try await connection.query(
                "SELECT to_regclass('runlog_schema') IS NOT NULL, to_regclass('journal') IS NOT NULL, current_schema()::text",
                logger: logger
            )
            var marked = false
            var tables = false
            var schemaName = "?"
            for try await row in rows {
                let reader = PostgresRowReader(row)
                (marked, tables, schemaName) = (try reader.bool(0), try reader.bool(1), try reader.text(2))
            }
            guard marked else {
                if tables {
                    throw JournalError(
                        .notAJournal,
                        "schema \(schemaName) of \(location.redacted) has a journal table but is not a Runlog journal; use another database or schema"
                    )
                }
                return 0
            }
            var version = 0
            for try await row in try await connection.query("SELECT version::int8 FROM runlog_schema", logger: logger) {
                version = try PostgresRowReader(row).int(0)
            }
            return version
        }

        static func check(_ version: Int, location: PostgresLocation) throws(JournalError) {
            guard version <= schemaVersion else {
                throw JournalError(
                    .schemaTooNew,
                    "the journal at \(location.redacted) has schema version \(version), newer than this worker's \(schemaVersion); run a newer Runlog"
                )
            }
        }
    }
}
