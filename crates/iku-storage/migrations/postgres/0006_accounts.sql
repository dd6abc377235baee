-- Staff accounts. Passwords as argon2id PHC strings; the TOTP secret sealed like personal
-- fields (NULL until enrolled at the first login).
CREATE TABLE accounts (
    username         TEXT    PRIMARY KEY,
    role             TEXT    NOT NULL,
    office           TEXT,
    password_hash    TEXT    NOT NULL,
    must_change      BOOLEAN NOT NULL,   -- the password was set by an admin
    totp_key_id      TEXT,
    totp_nonce       BYTEA,
    totp_secret      BYTEA,
    last_totp_step   BIGINT,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    locked_until     BIGINT,             -- µs
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT  NOT NULL    -- µs
);
