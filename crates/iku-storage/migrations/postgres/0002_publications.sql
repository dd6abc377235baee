-- Frozen reviews: the published JSON exactly as released, never changed.
CREATE TABLE publications (
    id              BIGINT PRIMARY KEY,
    report          TEXT   NOT NULL,    -- annual | semiannual
    year            INTEGER NOT NULL,
    version         INTEGER NOT NULL,   -- 1, then 2 for a corrected re-release
    as_recorded_at  BIGINT NOT NULL,    -- the moment the register was read as recorded at (µs)
    disclosure      TEXT   NOT NULL,    -- published | internal
    published_at    BIGINT NOT NULL,    -- µs
    document        TEXT   NOT NULL,    -- the review's JSON, byte for byte
    UNIQUE (report, year, version)
);

CREATE FUNCTION iku_refuse_publication_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a publication is frozen';
END;
$$;

CREATE TRIGGER publications_frozen BEFORE UPDATE OR DELETE ON publications
FOR EACH ROW EXECUTE FUNCTION iku_refuse_publication_change();
CREATE TRIGGER publications_frozen_truncate BEFORE TRUNCATE ON publications
FOR EACH STATEMENT EXECUTE FUNCTION iku_refuse_publication_change();
