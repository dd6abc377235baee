-- Frozen reviews: the published JSON exactly as released, never changed.
CREATE TABLE publications (
    id              INTEGER PRIMARY KEY,
    report          TEXT    NOT NULL,   -- annual | semiannual
    year            INTEGER NOT NULL,
    version         INTEGER NOT NULL,   -- 1, then 2 for a corrected re-release
    as_recorded_at  INTEGER NOT NULL,   -- the moment the register was read as recorded at (µs)
    disclosure      TEXT    NOT NULL,   -- published | internal
    published_at    INTEGER NOT NULL,   -- µs
    document        TEXT    NOT NULL,   -- the review's JSON, byte for byte
    UNIQUE (report, year, version)
) STRICT;

CREATE TRIGGER publications_frozen_update BEFORE UPDATE ON publications
BEGIN SELECT RAISE(ABORT, 'a publication is frozen'); END;
CREATE TRIGGER publications_frozen_delete BEFORE DELETE ON publications
BEGIN SELECT RAISE(ABORT, 'a publication is frozen'); END;
