-- Runlog journal on PostgreSQL, schema 5: operator decisions.
--
-- cancel_requests holds every operator request waiting for a run's driver: a cancel (resolution
-- NULL, reason the operator's) or a decision about a run parked for an operator (resolution
-- retry, skip or fail; reason the operator's note). One per run: a cancel replaces a decision.
-- The driver journals it (cancelRequested or operatorResolved) and deletes the row.

ALTER TABLE cancel_requests ADD COLUMN resolution text
    CHECK (resolution IS NULL OR resolution IN ('retry', 'skip', 'fail'));
