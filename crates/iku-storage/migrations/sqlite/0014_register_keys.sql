-- Where each person, application and child of the register first appears: the owner
-- (iku_domain::grouping) of the events about them. A write finds the groups it touches
-- through it, and checks the register's rules over those alone, not the whole register.
-- Derived from the register in the write's transaction, never changed; databases from
-- before this migration get it when opened.
CREATE TABLE register_keys (
    kind  TEXT    NOT NULL,   -- person, application, child
    id    TEXT    NOT NULL,
    owner INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER register_keys_append_only_update BEFORE UPDATE ON register_keys
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;
CREATE TRIGGER register_keys_append_only_delete BEFORE DELETE ON register_keys
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;

-- A group's events, and the owners tied to it, by owner.
CREATE INDEX event_facts_owner ON event_facts (owner);
CREATE INDEX owner_links_owner ON owner_links (owner);
CREATE INDEX owner_links_tied ON owner_links (tied);
