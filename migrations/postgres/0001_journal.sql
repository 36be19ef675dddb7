-- Runlog journal on PostgreSQL, schema 1: the tables of the SQLite journal (migrations/sqlite),
-- in PostgreSQL's types, shared by every worker and API node that opens the database.
--
-- journal:         the append-only, hash-chained record of every run; hash = SHA-256(prev_hash ||
--                  canonical bytes of the row) (Sources/Journal/HashChain.swift). Triggers refuse
--                  UPDATE, DELETE and TRUNCATE, and the worker role has no grant for them
--                  (docs/postgres-roles.sql). No secondary index: a run's records are linked by
--                  run_prev and found from run_heads.last_seq, so an append touches one index.
-- chain_head:      the one row every committing batch of records locks (SELECT … FOR UPDATE) and
--                  advances: it orders the chain across workers, one batch at a time, and is the
--                  head `worker verify` compares the journal's end with.
-- runs:            the immutable facts of each run's creation; the unique idempotency_key is
--                  what makes a submit idempotent across workers and API nodes.
-- run_heads:       each run's head (state, last record, lease epoch), updated with every record
--                  in the same transaction: where an append's fencing is checked.
-- leases:          operational lease state; expires_ms is on the database's clock.
-- cancel_requests: operators' cancel requests, taken by the driving worker.
-- runs and run_heads are a projection of the journal, rebuilt and compared by `worker verify`.

CREATE TABLE runlog_schema (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version integer NOT NULL
);

CREATE TABLE journal (
    seq       bigint  PRIMARY KEY,
    run_no    bigint  NOT NULL,
    run_seq   bigint  NOT NULL,
    run_prev  bigint,
    kind      text    NOT NULL,
    epoch     bigint  NOT NULL,
    at_ms     bigint  NOT NULL,
    event     text    NOT NULL,
    state     text,
    intents   text,
    abandons  text,
    answers   text,
    prev_hash bytea   NOT NULL,
    hash      bytea   NOT NULL,
    format    bigint  NOT NULL DEFAULT 1
);

CREATE FUNCTION runlog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'runlog: the % table is append-only; its rows cannot be changed (%)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER journal_refuses_change BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION runlog_refuse_change();
CREATE TRIGGER journal_refuses_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION runlog_refuse_change();

CREATE TABLE chain_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint  NOT NULL,
    hash bytea   NOT NULL
);
INSERT INTO chain_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER chain_head_refuses_delete BEFORE DELETE ON chain_head
    FOR EACH ROW EXECUTE FUNCTION runlog_refuse_change();
CREATE TRIGGER chain_head_refuses_truncate BEFORE TRUNCATE ON chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION runlog_refuse_change();

CREATE SEQUENCE runs_run_no_seq;

CREATE TABLE runs (
    run_no          bigint PRIMARY KEY,
    run_id          text   NOT NULL UNIQUE,
    machine         text   NOT NULL,
    machine_version text   NOT NULL,
    name            text,
    idempotency_key text   UNIQUE,
    input_hash      text   NOT NULL,
    created_ms      bigint NOT NULL
);

-- Updated on every record: room left on each page keeps the updates HOT (no index change).
CREATE TABLE run_heads (
    run_no       bigint  PRIMARY KEY,
    state_name   text    NOT NULL,
    terminal     boolean NOT NULL,
    last_run_seq bigint  NOT NULL,
    last_seq     bigint  NOT NULL,
    lease_epoch  bigint  NOT NULL,
    updated_ms   bigint  NOT NULL
) WITH (fillfactor = 70);

CREATE INDEX run_heads_active ON run_heads (run_no) WHERE NOT terminal;

CREATE TABLE leases (
    run_no     bigint PRIMARY KEY,
    owner      text   NOT NULL,
    epoch      bigint NOT NULL,
    expires_ms bigint NOT NULL
) WITH (fillfactor = 70);

CREATE TABLE cancel_requests (
    run_no       bigint PRIMARY KEY REFERENCES runs (run_no),
    reason       text   NOT NULL,
    requested_ms bigint NOT NULL
);

-- The journal with public run ids, for people querying with psql.
CREATE VIEW journal_by_run AS
    SELECT runs.run_id, journal.*
    FROM journal JOIN runs USING (run_no);
