-- Login sessions. Only a hash of the session id is kept: the id itself is the cookie's
-- secret, and a copy of this table must not let anyone in.
CREATE TABLE sessions (
    id_hash     TEXT    PRIMARY KEY,
    username    TEXT    NOT NULL REFERENCES accounts (username),
    csrf_token  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,   -- µs
    last_seen   BIGINT  NOT NULL,   -- µs
    ended_at    BIGINT              -- µs; logged out
);

-- Which office a case (a person) belongs to and which caseworker it is assigned to. Appended,
-- never changed: the newest row of a person is in force, the older ones are its history.
CREATE TABLE case_assignments (
    seq          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person       TEXT    NOT NULL,
    office       TEXT    NOT NULL,
    assignee     TEXT,
    assigned_at  BIGINT  NOT NULL,  -- µs
    assigned_by  TEXT    NOT NULL
);
CREATE INDEX case_assignments_person ON case_assignments (person, seq);

CREATE FUNCTION iku_refuse_assignment_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case assignments are append-only';
END;
$$;
CREATE TRIGGER case_assignments_append_only BEFORE UPDATE OR DELETE ON case_assignments
FOR EACH ROW EXECUTE FUNCTION iku_refuse_assignment_change();
CREATE TRIGGER case_assignments_append_only_truncate BEFORE TRUNCATE ON case_assignments
FOR EACH STATEMENT EXECUTE FUNCTION iku_refuse_assignment_change();
