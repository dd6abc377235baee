-- The statistics' read form of each event (iku_domain::facts: no personal field) and the
-- owner that places it in a group (iku_domain::grouping). Derived from the register when
-- the event is stored, in the same transaction, and never changed; `iku verify` compares it
-- with the canonical payload. Databases from before this migration get theirs when opened.
CREATE TABLE event_facts (
    seq   INTEGER PRIMARY KEY,  -- the event's seq (no foreign key: checked by `load_facts`, and cheaper to import)
    owner INTEGER NOT NULL,
    facts BLOB    NOT NULL
) STRICT;

-- Owners that one event tied together (a correction that moved an application to another
-- person, an application or child id used under a second person).
CREATE TABLE owner_links (
    owner INTEGER NOT NULL,
    tied  INTEGER NOT NULL
) STRICT;

CREATE TRIGGER event_facts_append_only_update BEFORE UPDATE ON event_facts
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;
CREATE TRIGGER event_facts_append_only_delete BEFORE DELETE ON event_facts
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;
CREATE TRIGGER owner_links_append_only_update BEFORE UPDATE ON owner_links
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;
CREATE TRIGGER owner_links_append_only_delete BEFORE DELETE ON owner_links
BEGIN SELECT RAISE(ABORT, 'the register is append-only'); END;
