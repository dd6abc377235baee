-- The statistics' read form of each event (iku_domain::facts: no personal field) and the
-- owner that places it in a group (iku_domain::grouping). Derived from the register when
-- the event is stored, in the same transaction, and never changed; `iku verify` compares it
-- with the canonical payload. Databases from before this migration get theirs when opened.
CREATE TABLE event_facts (
    seq   BIGINT PRIMARY KEY REFERENCES events (seq),
    owner BIGINT NOT NULL,
    facts BYTEA  NOT NULL
);

-- Owners that one event tied together (a correction that moved an application to another
-- person, an application or child id used under a second person).
CREATE TABLE owner_links (
    owner BIGINT NOT NULL,
    tied  BIGINT NOT NULL
);

CREATE TRIGGER event_facts_append_only BEFORE UPDATE OR DELETE ON event_facts
FOR EACH ROW EXECUTE FUNCTION iku_refuse_change();
CREATE TRIGGER event_facts_append_only_truncate BEFORE TRUNCATE ON event_facts
FOR EACH STATEMENT EXECUTE FUNCTION iku_refuse_change();
CREATE TRIGGER owner_links_append_only BEFORE UPDATE OR DELETE ON owner_links
FOR EACH ROW EXECUTE FUNCTION iku_refuse_change();
CREATE TRIGGER owner_links_append_only_truncate BEFORE TRUNCATE ON owner_links
FOR EACH STATEMENT EXECUTE FUNCTION iku_refuse_change();
