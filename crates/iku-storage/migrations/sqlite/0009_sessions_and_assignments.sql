-- Login sessions. Only a hash of the session id is kept: the id itself is the cookie's
-- secret, and a copy of this table must not let anyone in.
CREATE TABLE sessions (
    id_hash     TEXT    PRIMARY KEY,
    username    TEXT    NOT NULL REFERENCES accounts (username),
    csrf_token  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,   -- µs
    last_seen   INTEGER NOT NULL,   -- µs
    ended_at    INTEGER             -- µs; logged out
) STRICT;

-- Which office a case (a person) belongs to and which caseworker it is assigned to. Appended,
-- never changed: the newest row of a person is in force, the older ones are its history.
CREATE TABLE case_assignments (
    seq          INTEGER PRIMARY KEY,
    person       TEXT    NOT NULL,
    office       TEXT    NOT NULL,
    assignee     TEXT,
    assigned_at  INTEGER NOT NULL,  -- µs
    assigned_by  TEXT    NOT NULL
) STRICT;
CREATE INDEX case_assignments_person ON case_assignments (person, seq);

CREATE TRIGGER case_assignments_append_only_update BEFORE UPDATE ON case_assignments
BEGIN SELECT RAISE(ABORT, 'case assignments are append-only'); END;
CREATE TRIGGER case_assignments_append_only_delete BEFORE DELETE ON case_assignments
BEGIN SELECT RAISE(ABORT, 'case assignments are append-only'); END;
