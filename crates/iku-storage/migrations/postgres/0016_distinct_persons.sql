-- Pairs of persons a caseworker decided are not the same person, though intake proposed them
-- as possible duplicates: not proposed again. The pair is kept in id order (person_a <
-- person_b). Appended, never changed.
CREATE TABLE distinct_persons (
    person_a   TEXT   NOT NULL,
    person_b   TEXT   NOT NULL,
    decided_by TEXT   NOT NULL,
    decided_at BIGINT NOT NULL,   -- µs
    PRIMARY KEY (person_a, person_b),
    CHECK (person_a COLLATE "C" < person_b COLLATE "C")
);
CREATE INDEX distinct_persons_b ON distinct_persons (person_b);

CREATE TRIGGER distinct_persons_append_only BEFORE UPDATE OR DELETE ON distinct_persons
FOR EACH ROW EXECUTE FUNCTION iku_refuse_change();
