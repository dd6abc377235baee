-- Each run of the retention purge: when, under which cut-off, how much was erased. Counts
-- only: what was erased is gone.
CREATE TABLE retention_purges (
    id       BIGINT PRIMARY KEY,
    at       BIGINT NOT NULL,    -- µs
    cutoff   DATE   NOT NULL,    -- cases that ended before it
    persons  BIGINT NOT NULL,
    erased   BIGINT NOT NULL     -- sealed values erased
);

CREATE TRIGGER retention_purges_append_only BEFORE UPDATE OR DELETE ON retention_purges
FOR EACH ROW EXECUTE FUNCTION iku_refuse_change();
