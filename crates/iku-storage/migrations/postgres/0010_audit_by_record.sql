-- Who recorded an event is found by its audit entry's record (`Store::audit_entries_for`).
CREATE INDEX audit_log_by_record ON audit_log (record);
