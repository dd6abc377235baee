-- Documents of a case (iku_domain::documents): the file and the name it came with are sealed
-- with the encryption keys, each bound to the document's id (crate::documents), and nothing
-- else is personal. A document is never removed: the retention purge erases the file and its
-- name (key_id 'erased') and key rotation re-seals them, so only those columns may change.
CREATE TABLE documents (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    person     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    media      TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    added_by   TEXT    NOT NULL,
    added_at   INTEGER NOT NULL,  -- µs
    key_id     TEXT    NOT NULL,
    name_nonce BLOB    NOT NULL,
    name       BLOB    NOT NULL,
    nonce      BLOB    NOT NULL,
    content    BLOB    NOT NULL
) STRICT;
CREATE INDEX documents_person ON documents (person);

CREATE TRIGGER documents_kept BEFORE DELETE ON documents
BEGIN SELECT RAISE(ABORT, 'documents are never removed, only erased'); END;
CREATE TRIGGER documents_record_kept
BEFORE UPDATE OF seq, id, person, kind, media, size, added_by, added_at ON documents
BEGIN SELECT RAISE(ABORT, 'a document''s record is never changed'); END;
