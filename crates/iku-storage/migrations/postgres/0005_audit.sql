-- The audit chain (see iku_storage::audit): append-only entries, each chained to the one
-- before with a keyed hash, and the chain's head kept apart.
CREATE TABLE audit_log (
    seq    BIGINT PRIMARY KEY,
    at     BIGINT NOT NULL,    -- µs
    actor  TEXT   NOT NULL,
    action TEXT   NOT NULL,
    record TEXT   NOT NULL,
    reason TEXT   NOT NULL,
    hash   BYTEA  NOT NULL
);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION iku_refuse_change();

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA  NOT NULL
);
