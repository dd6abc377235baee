-- Staff accounts. Passwords as argon2id PHC strings; the TOTP secret sealed like personal
-- fields (NULL until enrolled at the first login).
CREATE TABLE accounts (
    username         TEXT    PRIMARY KEY,
    role             TEXT    NOT NULL,
    office           TEXT,
    password_hash    TEXT    NOT NULL,
    must_change      INTEGER NOT NULL,   -- the password was set by an admin
    totp_key_id      TEXT,
    totp_nonce       BLOB,
    totp_secret      BLOB,
    last_totp_step   INTEGER,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER,            -- µs
    disabled         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL    -- µs
) STRICT;
