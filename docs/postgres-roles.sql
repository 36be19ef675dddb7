-- Roles for a Runlog journal on PostgreSQL: run once, as a superuser or the database's owner,
-- with the passwords replaced.
--
--   psql -d runlog -f docs/postgres-roles.sql
--
-- runlog_owner owns the schema `runlog` and migrates it: start a worker with it once after
-- each upgrade of Runlog, then run docs/postgres-grants.sql as it. runlog_worker is what the
-- workers and API nodes connect as: it may append to the journal but has no UPDATE, DELETE or
-- TRUNCATE on it (the journal's triggers refuse them as well), and cannot change the schema.
--
--   worker run --db 'postgres://runlog_worker@db.internal:5432/runlog?sslmode=verify-full'
--   (the password in PGPASSWORD, not on the command line)

CREATE ROLE runlog_owner LOGIN PASSWORD 'change-me-owner';
CREATE ROLE runlog_worker LOGIN PASSWORD 'change-me-worker';
CREATE SCHEMA runlog AUTHORIZATION runlog_owner;
ALTER ROLE runlog_owner SET search_path = runlog;
ALTER ROLE runlog_worker SET search_path = runlog;
GRANT USAGE ON SCHEMA runlog TO runlog_worker;
