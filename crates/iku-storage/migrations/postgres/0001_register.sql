-- The register: an append-only history of events (see ARCHITECTURE.md).
CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,       -- the order events entered the register
    id          TEXT   NOT NULL UNIQUE,
    kind        TEXT   NOT NULL,
    date        DATE   NOT NULL,          -- valid time
    recorded_at BIGINT NOT NULL,          -- recorded time, microseconds since 1970 UTC
    payload     TEXT   NOT NULL           -- the canonical line without the columns above and without personal fields
);


CREATE FUNCTION iku_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the register is append-only';
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION iku_refuse_change();
CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION iku_refuse_change();

-- Personal fields, encrypted; apart from events so that key rotation and the retention
-- purge rewrite only this table.
CREATE TABLE sealed_fields (
    event_seq  BIGINT PRIMARY KEY REFERENCES events (seq),
    key_id     TEXT  NOT NULL,
    nonce      BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL
);
