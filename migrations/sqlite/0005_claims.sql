-- Runlog journal, schema 5: claiming.
--
-- A claim takes the runs leased before first (runs a stopped worker left in flight), then the
-- never leased, each in run order. This index keeps the first part to the runs in flight,
-- however long the queue of new runs behind them: without it, each claim would read every
-- unfinished run.

CREATE INDEX run_heads_leased ON run_heads (run_no) WHERE terminal = 0 AND lease_epoch > 0;
