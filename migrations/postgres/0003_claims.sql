-- Runlog journal on PostgreSQL, schema 3: claiming.
--
-- A claim (SELECT … FOR UPDATE SKIP LOCKED) takes the runs leased before first (runs a dead
-- or stopped worker left in flight), then the never leased. This index keeps the first part to
-- the runs in flight, however long the queue of new runs: without it, each claim would read
-- every unfinished run. An entry is added when a run is first leased (that update of its head
-- is not HOT) and is dead once the run finishes.

CREATE INDEX run_heads_leased ON run_heads (run_no) WHERE NOT terminal AND lease_epoch > 0;
