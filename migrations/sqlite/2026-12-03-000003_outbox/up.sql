-- Notifications to configured webhooks (issue 17, item 6): the outbox pattern. A projector
-- reads the ledger after `outbox_cursor` and, in one write transaction, inserts the messages
-- those entries call for and advances the cursor, so a message exists exactly for committed
-- events and none is lost or doubled across crashes. A message is unique per (webhook,
-- dedupe key); delivery leases due rows, logs every attempt and backs off exponentially.

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    webhook TEXT NOT NULL,
    event_type TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    delivered_at TIMESTAMP,
    failed_at TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    UNIQUE (webhook, dedupe_key)
);

CREATE INDEX outbox_due ON outbox (next_attempt_at);

CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL
);

CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id);

-- One row: the sequence number of the next ledger entry to project. It starts after the
-- entries already written, so upgrading a database does not notify its past.
CREATE TABLE outbox_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_seq BIGINT NOT NULL
);

INSERT INTO outbox_cursor (id, next_seq)
SELECT 1, COALESCE(MAX(seq) + 1, 0) FROM ledger_entries;
