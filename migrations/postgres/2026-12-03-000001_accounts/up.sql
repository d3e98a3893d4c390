-- Accounts, sessions, bearer tokens, failed logins and the audit log of unmasked personal
-- data (issue 17, item 3). The store keeps these rows; closedloop_app::accounts decides what
-- they mean. A role is one of dispatcher, driver, escort, port_staff, hotel_staff,
-- commander, auditor, admin; hotel_id scopes hotel staff, crew_id drivers and escorts (the
-- trips they crew are theirs), port_id port staff. password_hash is an argon2id PHC string;
-- totp_secret the hex of the 20-byte TOTP key (NULL for roles without TOTP), totp_last_step
-- the last 30-second step a code was accepted for (a code is accepted once). Accounts are
-- disabled, never deleted: the audit log names them.

CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    hotel_id BIGINT REFERENCES hotels (id),
    crew_id BIGINT REFERENCES crew_members (id),
    port_id BIGINT REFERENCES ports (id),
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step BIGINT,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- Browser sessions, server-side: only the SHA-256 (hex) of the 256-bit cookie token is
-- stored. A session ends at idle_expires_at (pushed on by use) or expires_at (fixed),
-- whichever comes first, or when revoked (logout, account disabled).
CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    idle_expires_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE INDEX sessions_account ON sessions (account_id);

-- Bearer tokens for integrations: named per account, stored as the SHA-256 (hex) of the
-- token, revocable.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    UNIQUE (account_id, name)
);

-- Failed logins, by the login typed (known or not) and by the client address, for the
-- lockout window.
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    login TEXT NOT NULL,
    address TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);

CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

-- Every answer that carried unmasked personal data: who, when, through which use case,
-- which objects (object_kind and their ids, comma-separated) and which fields.
CREATE TABLE personal_data_reads (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    at TIMESTAMP NOT NULL,
    endpoint TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_ids TEXT NOT NULL,
    fields TEXT NOT NULL
);

CREATE INDEX personal_data_reads_account ON personal_data_reads (account_id);
