-- What runlog_worker (docs/postgres-roles.sql) may do with the journal's tables: run as
-- runlog_owner after each migration (each start of a newer Runlog with the owner role).
--
--   psql 'postgres://runlog_owner@db.internal:5432/runlog' -f docs/postgres-grants.sql

-- The journal and the runs' creation facts: read and append, never change.
GRANT SELECT, INSERT ON runlog.journal, runlog.runs TO runlog_worker;
REVOKE UPDATE, DELETE, TRUNCATE ON runlog.journal, runlog.runs FROM runlog_worker;
-- The projection and the operational state, updated with every batch.
GRANT SELECT, INSERT, UPDATE ON runlog.run_heads, runlog.leases, runlog.workers, runlog.chain_head TO runlog_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON runlog.cancel_requests TO runlog_worker;
GRANT SELECT ON runlog.runlog_schema, runlog.journal_by_run TO runlog_worker;
GRANT USAGE ON SEQUENCE runlog.runs_run_no_seq TO runlog_worker;
