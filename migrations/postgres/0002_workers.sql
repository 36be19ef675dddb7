-- Runlog journal on PostgreSQL, schema 2: worker heartbeats.
--
-- workers: each worker process's heartbeat (its owner name: host, pid and start time), on the
--          database's clock. A lease lives until the later of its own expiry (set when it was
--          taken) and its owner's heartbeat, unless it was released (expires_ms = 0): one row
--          written per beat keeps every lease of a worker alive, however many runs it drives.

CREATE TABLE workers (
    owner      text   PRIMARY KEY,
    expires_ms bigint NOT NULL
) WITH (fillfactor = 70);
