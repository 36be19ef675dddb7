-- Runlog journal, schema 1.
--
-- journal: the append-only, hash-chained record of every run. Rows are never updated or
--          deleted (the triggers below refuse it); hash = SHA-256(prev_hash || canonical bytes
--          of the row), see Sources/Journal/HashChain.swift.
-- runs:    a projection of the journal (one row per run), rebuilt and compared by `worker verify`.
-- leases:  operational lease state (owner, expiry); the epochs themselves are journaled.

CREATE TABLE journal (
    seq       INTEGER PRIMARY KEY,
    run_no    INTEGER NOT NULL,
    run_seq   INTEGER NOT NULL CHECK (run_seq >= 1),
    kind      TEXT    NOT NULL CHECK (kind IN ('created', 'lease', 'transition')),
    epoch     INTEGER NOT NULL CHECK (epoch >= 0),
    at_ms     INTEGER NOT NULL,
    event     TEXT    NOT NULL,
    state     TEXT,
    intents   TEXT,
    abandons  TEXT,
    answers   TEXT,
    prev_hash BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash      BLOB    NOT NULL CHECK (length(hash) = 32),
    UNIQUE (run_no, run_seq)
) STRICT;

CREATE TRIGGER journal_refuses_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'runlog: the journal is append-only; its rows cannot be updated');
END;

CREATE TRIGGER journal_refuses_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'runlog: the journal is append-only; its rows cannot be deleted');
END;

CREATE TABLE runs (
    run_no          INTEGER PRIMARY KEY,
    run_id          TEXT    NOT NULL UNIQUE,
    machine         TEXT    NOT NULL,
    machine_version TEXT    NOT NULL,
    name            TEXT,
    idempotency_key TEXT    UNIQUE,
    input_hash      TEXT    NOT NULL,
    state_name      TEXT    NOT NULL,
    terminal        INTEGER NOT NULL CHECK (terminal IN (0, 1)),
    last_run_seq    INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL,
    lease_epoch     INTEGER NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
) STRICT;

CREATE INDEX runs_by_state ON runs (terminal, state_name);

CREATE TABLE leases (
    run_no     INTEGER PRIMARY KEY,
    owner      TEXT    NOT NULL,
    epoch      INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
) STRICT;

-- The journal with public run ids, for people querying with the sqlite3 shell.
CREATE VIEW journal_by_run AS
    SELECT runs.run_id, journal.*
    FROM journal JOIN runs USING (run_no);
