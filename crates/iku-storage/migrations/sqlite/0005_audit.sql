-- The audit chain (see iku_storage::audit): append-only entries, each chained to the one
-- before with a keyed hash, and the chain's head kept apart.
CREATE TABLE audit_log (
    seq    INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,   -- µs
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    record TEXT    NOT NULL,
    reason TEXT    NOT NULL,
    hash   BLOB    NOT NULL
) STRICT;

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB    NOT NULL
) STRICT;
