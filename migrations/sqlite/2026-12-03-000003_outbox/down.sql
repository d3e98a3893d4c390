DROP TABLE outbox_cursor;
DROP TABLE outbox_attempts;
DROP TABLE outbox;
