-- Runlog journal on PostgreSQL, schema 4: host affinity.
--
-- run_heads.affinity_host, affinity_grace_ms: the host whose worker last drove the run into a
-- state holding resources there (a local sandbox), and how long those may outlive that
-- worker's last lease renewal; NULL and 0 when the state holds none. Written with each
-- transition in the same row update as the rest of the head (no statement more per append). A
-- claim from another host takes such a run only once the grace after its holder's lease and
-- heartbeat is over, by the database's clock (see Sources/Journal/HostAffinity.swift).
-- Operational state, like leases: not part of the hash chain, and not compared by `worker verify`.

ALTER TABLE run_heads ADD COLUMN affinity_host text;
ALTER TABLE run_heads ADD COLUMN affinity_grace_ms bigint NOT NULL DEFAULT 0;
