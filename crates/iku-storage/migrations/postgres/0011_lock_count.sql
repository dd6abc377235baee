-- Locks since the last successful login: each lasts twice as long as the one before
-- (iku_domain::access::LockPolicy).
ALTER TABLE accounts ADD COLUMN lock_count INTEGER NOT NULL DEFAULT 0;
