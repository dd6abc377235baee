-- Public referrals stored with a flag for a person to check (the form's hidden field, which
-- robots fill in, was filled): kept rather than dropped, as a person whose browser filled it
-- in would otherwise be thanked for nothing. Appended, never changed.
CREATE TABLE flagged_referrals (
    person     TEXT   PRIMARY KEY,
    reason     TEXT   NOT NULL,   -- a code: hidden_field_filled
    flagged_at BIGINT   NOT NULL    -- µs
);

CREATE TRIGGER flagged_referrals_append_only BEFORE UPDATE OR DELETE ON flagged_referrals
FOR EACH ROW EXECUTE FUNCTION iku_refuse_change();
