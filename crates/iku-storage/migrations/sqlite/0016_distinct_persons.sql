-- Pairs of persons a caseworker decided are not the same person, though intake proposed them
-- as possible duplicates: not proposed again. The pair is kept in id order (person_a <
-- person_b). Appended, never changed.
CREATE TABLE distinct_persons (
    person_a   TEXT    NOT NULL,
    person_b   TEXT    NOT NULL,
    decided_by TEXT    NOT NULL,
    decided_at INTEGER NOT NULL,   -- µs
    PRIMARY KEY (person_a, person_b),
    CHECK (person_a < person_b)
) STRICT;
CREATE INDEX distinct_persons_b ON distinct_persons (person_b);

CREATE TRIGGER distinct_persons_append_only_update BEFORE UPDATE ON distinct_persons
BEGIN SELECT RAISE(ABORT, 'decided pairs are append-only'); END;
CREATE TRIGGER distinct_persons_append_only_delete BEFORE DELETE ON distinct_persons
BEGIN SELECT RAISE(ABORT, 'decided pairs are append-only'); END;
