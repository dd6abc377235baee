-- Published figures of years before the register (the long series), as loaded from a file;
-- the newest load is in force, the older ones stay for the record.
CREATE TABLE series_aggregates (
    id        BIGINT PRIMARY KEY,
    loaded_at BIGINT NOT NULL,    -- µs
    document  TEXT   NOT NULL     -- JSON, see iku_stats::series
);
