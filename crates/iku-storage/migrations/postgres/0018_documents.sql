-- Documents of a case (iku_domain::documents): the file and the name it came with are sealed
-- with the encryption keys, each bound to the document's id (crate::documents), and nothing
-- else is personal. A document is never removed: the retention purge erases the file and its
-- name (key_id 'erased') and key rotation re-seals them, so only those columns may change.
CREATE TABLE documents (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT   NOT NULL UNIQUE,
    person     TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    media      TEXT   NOT NULL,
    size       BIGINT NOT NULL,
    added_by   TEXT   NOT NULL,
    added_at   BIGINT NOT NULL,  -- µs
    key_id     TEXT   NOT NULL,
    name_nonce BYTEA  NOT NULL,
    name       BYTEA  NOT NULL,
    nonce      BYTEA  NOT NULL,
    content    BYTEA  NOT NULL
);
CREATE INDEX documents_person ON documents (person);

CREATE FUNCTION iku_document_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'documents are never removed, only erased';
    END IF;
    IF (NEW.seq, NEW.id, NEW.person, NEW.kind, NEW.media, NEW.size, NEW.added_by, NEW.added_at)
       IS DISTINCT FROM
       (OLD.seq, OLD.id, OLD.person, OLD.kind, OLD.media, OLD.size, OLD.added_by, OLD.added_at) THEN
        RAISE EXCEPTION 'a document''s record is never changed';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER documents_kept BEFORE UPDATE OR DELETE ON documents
FOR EACH ROW EXECUTE FUNCTION iku_document_kept();
