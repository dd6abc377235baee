-- The blind index (iku_domain::search): for each person, a keyed HMAC (Keyring::blind) of
-- each term they are found by: identity code, phone, e-mail, name tokens bound to the birth
-- year. Never a value, never an unkeyed hash. Derived from the register's personal fields:
-- rewritten for a person when a write changes what they are found by, emptied for a person
-- the retention purge erases, rebuilt whole under a new key after a key rotation.
CREATE TABLE blind_index (
    term   BYTEA NOT NULL,
    person TEXT  NOT NULL,
    PRIMARY KEY (term, person)
);
CREATE INDEX blind_index_person ON blind_index (person);

-- The key the index was built with (one row, none before it is first built).
CREATE TABLE blind_index_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT NOT NULL
);
