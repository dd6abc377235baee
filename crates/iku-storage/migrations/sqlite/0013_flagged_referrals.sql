-- Public referrals stored with a flag for a person to check (the form's hidden field, which
-- robots fill in, was filled): kept rather than dropped, as a person whose browser filled it
-- in would otherwise be thanked for nothing. Appended, never changed.
CREATE TABLE flagged_referrals (
    person     TEXT   PRIMARY KEY,
    reason     TEXT   NOT NULL,   -- a code: hidden_field_filled
    flagged_at INTEGER   NOT NULL    -- µs
) STRICT;

CREATE TRIGGER flagged_referrals_append_only_update BEFORE UPDATE ON flagged_referrals
BEGIN SELECT RAISE(ABORT, 'flagged referrals are append-only'); END;
CREATE TRIGGER flagged_referrals_append_only_delete BEFORE DELETE ON flagged_referrals
BEGIN SELECT RAISE(ABORT, 'flagged referrals are append-only'); END;
