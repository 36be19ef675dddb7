extension SQLiteJournal {
    /// Opening and configuring connections: identity, durability settings, migrations, head check.
    enum Setup {
        /// `PRAGMA application_id` of a Runlog journal: "RLOG".
        static let applicationID: Int64 = 0x524C_4F47

        /// Opens the writer connection, migrates the schema and checks the head file.
        static func openWriter(path: String, busyTimeout: Int) throws(JournalError) -> (SQLiteConnection, HeadFile?) {
            do {
                let connection = try SQLiteConnection(path: path, readOnly: false)
                try connection.execute("PRAGMA busy_timeout = \(busyTimeout)")
                try checkIdentity(connection, path: path)
                guard try connection.scalarText("PRAGMA journal_mode = WAL") == "wal" else {
                    throw JournalError(.unsafeSettings, "\(path) cannot be switched to WAL mode (is it on a network filesystem?)")
                }
                try connection.execute(
                    """
                    PRAGMA synchronous = FULL;
                    PRAGMA mmap_size = 0;
                    PRAGMA secure_delete = ON;
                    PRAGMA trusted_schema = OFF;
                    PRAGMA foreign_keys = ON;
                    PRAGMA cell_size_check = ON;
                    PRAGMA journal_size_limit = 67108864;
                    """
                )
                try migrate(connection, path: path)
                try assertSettings(connection, path: path)
                let headFile = try HeadFile(path: headPath(for: path))
                try checkHead(connection, path: path)
                return (connection, headFile)
            } catch {
                throw translating(error)
            }
        }

        /// Opens a read-only connection and checks the database is a journal this build reads;
        /// returns it with the database's schema version.
        static func openReader(path: String, busyTimeout: Int) throws(JournalError) -> (SQLiteConnection, schema: Int) {
            do {
                let connection = try SQLiteConnection(path: path, readOnly: true)
                try connection.execute(
                    "PRAGMA busy_timeout = \(busyTimeout); PRAGMA mmap_size = 0; PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON;"
                )
                try checkIdentity(connection, path: path)
                let version = try connection.scalarInt("PRAGMA user_version") ?? 0
                guard version > 0 else {
                    throw JournalError(.notFound, "\(path) holds no journal yet")
                }
                try checkVersion(version, path: path)
                return (connection, Int(version))
            } catch {
                throw translating(error)
            }
        }

        /// The journal error for an error thrown while opening.
        static func translating(_ error: any Error) -> JournalError {
            switch error {
            case let error as SQLiteError: JournalError.storage(error)
            case let error as JournalError: error
            default: JournalError(.storage, "\(error)")
            }
        }

        static func checkIdentity(_ connection: SQLiteConnection, path: String) throws {
            let identity = try connection.scalarInt("PRAGMA application_id") ?? 0
            if identity == applicationID { return }
            let tables = try connection.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0
            guard identity == 0, tables == 0 else {
                throw JournalError(.notAJournal, "\(path) is an SQLite database but not a Runlog journal; pass --db with another path")
            }
        }

        static func checkVersion(_ version: Int64, path: String) throws(JournalError) {
            guard version <= Int64(schemaVersion) else {
                throw JournalError(
                    .schemaTooNew,
                    "\(path) has schema version \(version), newer than this worker's \(schemaVersion); run a newer Runlog"
                )
            }
        }

        /// Applies every migration newer than the database's `user_version`, all of them in one
        /// transaction together with the version bump: a database is either upgraded to this
        /// build's schema or left as it was (a crash or an error midway changes nothing).
        static func migrate(_ connection: SQLiteConnection, path: String, migrations: [Migration] = Migration.sqlite) throws {
            let current = try connection.scalarInt("PRAGMA user_version") ?? 0
            try checkVersion(current, path: path)
            let pending = migrations.filter { Int64($0.version) > current }
            guard let target = pending.last else { return }
            try connection.execute("BEGIN IMMEDIATE")
            do {
                for migration in pending {
                    do {
                        try connection.execute(migration.sql)
                    } catch {
                        throw JournalError(
                            .storage,
                            "\(path): migration \(migration.file) failed, so the database was left at schema \(current), unchanged: \(error)"
                        )
                    }
                }
                try connection.execute("PRAGMA user_version = \(target.version); PRAGMA application_id = \(applicationID);")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }

        /// Reads back every durability setting; a journal that cannot have them is refused.
        static func assertSettings(_ connection: SQLiteConnection, path: String) throws {
            let expected: [(String, String)] = [
                ("journal_mode", "wal"), ("synchronous", "2"), ("mmap_size", "0"), ("secure_delete", "1"),
                ("trusted_schema", "0"), ("foreign_keys", "1"),
            ]
            for (pragma, value) in expected {
                let actual = try connection.scalarText("PRAGMA \(pragma)")
                guard actual == value else {
                    throw JournalError(.unsafeSettings, "\(path): PRAGMA \(pragma) is \(actual ?? "unset"), expected \(value)")
                }
            }
        }

        /// Refuses a journal whose head file records a later head than the database holds.
        static func checkHead(_ connection: SQLiteConnection, path: String) throws {
            guard case .head(let seq, let hash) = HeadFile.read(path: headPath(for: path)) else { return }
            let last = try connection.scalarInt("SELECT max(seq) FROM journal") ?? 0
            guard seq <= last else {
                throw JournalError(
                    .truncated,
                    "\(path) ends at record \(last) but its head file records \(seq): committed records are missing "
                        + "(a deleted -wal file or an older copy?). Restore the database with its -wal file; run 'worker verify'"
                )
            }
            let statement = try connection.prepare("SELECT hash FROM journal WHERE seq = ?1")
            statement.bind(1, seq)
            guard try statement.step(), statement.bytes(0) == hash else {
                throw JournalError(.corrupt, "\(path): record \(seq) does not have the hash its head file records; run 'worker verify'")
            }
        }
    }
}
