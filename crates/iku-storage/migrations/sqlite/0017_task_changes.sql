-- Tasks made by hand (iku_domain::tasks): the log of what happened to each, appended, never
-- changed. A task holds no personal value: its kind is a code and its case a person's id.
CREATE TABLE task_changes (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    task   TEXT    NOT NULL,
    change TEXT    NOT NULL CHECK (change IN ('made', 'given', 'done')),
    owner  TEXT,               -- made, given: whose it is from then on
    kind   TEXT,               -- made
    person TEXT,               -- made: the case, if any
    due    TEXT,               -- made: YYYY-MM-DD
    by     TEXT    NOT NULL,
    at     INTEGER NOT NULL    -- µs
) STRICT;
CREATE INDEX task_changes_task ON task_changes (task);
CREATE INDEX task_changes_owner ON task_changes (owner);

CREATE TRIGGER task_changes_append_only_update BEFORE UPDATE ON task_changes
BEGIN SELECT RAISE(ABORT, 'task changes are append-only'); END;
CREATE TRIGGER task_changes_append_only_delete BEFORE DELETE ON task_changes
BEGIN SELECT RAISE(ABORT, 'task changes are append-only'); END;
