-- Runlog journal, schema 1.
--
-- journal:   the append-only, hash-chained record of every run. Rows are never updated or
--            deleted (the triggers below refuse it); hash = SHA-256(prev_hash || canonical bytes
--            of the row), see Sources/Journal/HashChain.swift. The table has no secondary index,
--            so an append only touches its last pages; a run's records are linked by run_prev
--            (the seq of the run's previous record) and found from run_heads.last_seq.
-- runs:      the immutable facts of each run's creation.
-- run_heads: each run's head (state, last record, lease epoch), updated with every record in
--            the same transaction; it is where an append's fencing is checked.
-- runs and run_heads are a projection of the journal, rebuilt and compared by `worker verify`.
-- leases:    operational lease state (owner, expiry); the epochs themselves are journaled.
--
-- The journal has types and NOT NULL but no CHECK constraints: measured on this machine kind,
-- CHECKs cut batched appends by about a third, and the hash chain and `worker verify` (record
-- numbers, links, kinds, epochs, every state replayed) are what guard the rows' integrity.

CREATE TABLE journal (
    seq       INTEGER PRIMARY KEY,
    run_no    INTEGER NOT NULL,
    run_seq   INTEGER NOT NULL,
    run_prev  INTEGER,
    kind      TEXT    NOT NULL,
    epoch     INTEGER NOT NULL,
    at_ms     INTEGER NOT NULL,
    event     TEXT    NOT NULL,
    state     TEXT,
    intents   TEXT,
    abandons  TEXT,
    answers   TEXT,
    prev_hash BLOB    NOT NULL,
    hash      BLOB    NOT NULL
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
    created_ms      INTEGER NOT NULL
) STRICT;

CREATE TABLE run_heads (
    run_no       INTEGER PRIMARY KEY,
    state_name   TEXT    NOT NULL,
    terminal     INTEGER NOT NULL,
    last_run_seq INTEGER NOT NULL,
    last_seq     INTEGER NOT NULL,
    lease_epoch  INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
) STRICT;

-- Unfinished runs, for recovery and leasing. Partial, so it changes only when a run is created
-- or finishes, not on every transition.
CREATE INDEX run_heads_active ON run_heads (run_no) WHERE terminal = 0;

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
