-- Runlog journal, schema 3: each record names its format.
--
-- journal.format: the layout of the record's canonical bytes (what its hash covers; see
--                 Sources/Journal/HashChain.swift). Format 1 is the layout every earlier release
--                 wrote, so the rows already there are format 1 and keep their hashes. A later
--                 change of layout is a new format number written by new rows only: verify
--                 checks each record by its own format, and refuses one it does not know.

ALTER TABLE journal ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
