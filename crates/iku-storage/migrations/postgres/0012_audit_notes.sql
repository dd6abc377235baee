-- A reason in a person's own words (break-the-glass) is a note: sealed with the encryption
-- keys, bound to its entry (iku_storage::audit::note_aad), kept apart from the chain so that
-- key rotation re-seals it and the retention purge erases it (key_id 'erased') without
-- breaking the chain, which records only that the entry has a note.
ALTER TABLE audit_log ADD COLUMN noted BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE audit_notes (
    seq        BIGINT PRIMARY KEY REFERENCES audit_log (seq),
    key_id     TEXT NOT NULL,
    nonce      BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL
);
