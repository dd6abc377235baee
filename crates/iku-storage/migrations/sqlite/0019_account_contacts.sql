-- Who a staff account is (iku_domain::access::StaffContact): the full name and title a
-- decision names its official by, and the address notices of new work are sent to. Staff
-- data, not a client's; an admin sets it, the newest is kept.
CREATE TABLE account_contacts (
    username  TEXT PRIMARY KEY REFERENCES accounts (username),
    full_name TEXT NOT NULL,
    title     TEXT NOT NULL,
    email     TEXT
);
