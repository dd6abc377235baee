-- The register: an append-only history of events (see ARCHITECTURE.md).
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,      -- the order events entered the register
    id          TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    date        TEXT    NOT NULL,         -- valid time, YYYY-MM-DD
    recorded_at INTEGER NOT NULL,         -- recorded time, microseconds since 1970 UTC
    payload     TEXT    NOT NULL          -- the canonical line without the columns above and without personal fields
) STRICT;


CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;

-- Personal fields, encrypted; apart from events so that key rotation and the retention
-- purge rewrite only this table.
CREATE TABLE sealed_fields (
    event_seq  INTEGER PRIMARY KEY REFERENCES events (seq),
    key_id     TEXT NOT NULL,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL
) STRICT;
