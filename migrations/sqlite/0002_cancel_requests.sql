-- Runlog journal, schema 2: cancel requests.
--
-- cancel_requests: an operator's request to cancel an unfinished run (`worker cancel`), written
--                  by any process and taken by the worker that drives the run, which journals a
--                  cancelRequested event and then deletes the request. Operational state, like
--                  leases: the journal records the cancellation itself.

CREATE TABLE cancel_requests (
    run_no       INTEGER PRIMARY KEY REFERENCES runs (run_no),
    reason       TEXT    NOT NULL,
    requested_ms INTEGER NOT NULL
);
