-- Runlog journal, schema 4: worker heartbeats.
--
-- workers: each worker process's heartbeat (its owner name: host, pid and start time). A lease
--          lives until the later of its own expiry (set when it was taken) and its owner's
--          heartbeat, unless it was released (expires_ms = 0): one write per beat keeps every
--          lease of a worker alive, however many runs it drives. Operational state, like leases.

CREATE TABLE workers (
    owner      TEXT    PRIMARY KEY,
    expires_ms INTEGER NOT NULL
) STRICT;
