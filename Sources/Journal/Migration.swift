/// One schema migration: SQL applied in a single transaction, after which the database's
/// `user_version` is `version`.
///
/// The SQL lives in `migrations/sqlite/NNNN_name.sql` (the source of truth) and is embedded in
/// the binary by `scripts/embed-migrations`; nothing is read from disk at run time.
struct Migration: Sendable {
    /// The schema version this migration produces.
    let version: Int
    /// The file it came from.
    let file: String
    /// The SQL.
    let sql: String
}
