-- Each run of the retention purge: when, under which cut-off, how much was erased. Counts
-- only: what was erased is gone.
CREATE TABLE retention_purges (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,   -- µs
    cutoff   TEXT    NOT NULL,   -- YYYY-MM-DD: cases that ended before it
    persons  INTEGER NOT NULL,
    erased   INTEGER NOT NULL    -- sealed values erased
) STRICT;

CREATE TRIGGER retention_purges_append_only_update BEFORE UPDATE ON retention_purges
BEGIN SELECT RAISE(ABORT, 'the purge log is append-only'); END;
CREATE TRIGGER retention_purges_append_only_delete BEFORE DELETE ON retention_purges
BEGIN SELECT RAISE(ABORT, 'the purge log is append-only'); END;
