-- Idempotency keys of POST requests (issue 17, item 4; the IETF httpapi Idempotency-Key
-- draft). A key is claimed inside the transaction of the write it guards, so a write and its
-- key commit together or not at all; the first answer is stored once the write has returned,
-- so that a replay gets it back. Keys are scoped per caller and kept 24 hours.

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    PRIMARY KEY (scope, idem_key)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
