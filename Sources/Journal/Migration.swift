/// One schema migration of a store: SQL applied in a single transaction, after which the
/// database is at schema `version`.
///
/// The SQL lives in `migrations/<store>/NNNN_name.sql` (the source of truth: `sqlite`,
/// `postgres`) and is embedded in the binary by `scripts/embed-migrations`; nothing is read from
/// disk at run time.
package struct Migration: Sendable {
    /// The schema version this migration produces.
    package let version: Int
    /// The file it came from.
    package let file: String
    /// The SQL.
    package let sql: String

    /// A migration to `version`, from `file`.
    package init(version: Int, file: String, sql: String) {
        self.version = version
        self.file = file
        self.sql = sql
    }
}
