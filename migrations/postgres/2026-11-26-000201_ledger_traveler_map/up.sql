-- Ledger format version 2: the traveler map (closedloop_ledger::map), every traveler's latest
-- entry, which each signed head now commits to so that an audit bundle proves it is complete.
-- Both tables are derived from ledger_entries and written in the append transaction, beside
-- the entries and the head; the appender state (ledger_state) holds the map's root, and every
-- append checks the rows it reads against it. Empty until the first append after this
-- migration, which builds the map from the entries already stored (version 1) in one go.

-- One row per traveler reference: the sequence number, leaf hash (lower-case hex) and kind of
-- the last entry naming it; bucket is the reference's first two bytes as a number (0-65535).
CREATE TABLE ledger_map_records (
    traveler_ref TEXT PRIMARY KEY,
    bucket BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    leaf_hash TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX ledger_map_records_bucket ON ledger_map_records (bucket);

-- The map's 16-ary nodes by id (0 the root, 1-16, 17-272, 273-4368): the 16 child hashes in
-- slot order, concatenated (512 bytes). An absent node has only empty children.
CREATE TABLE ledger_map_nodes (
    node BIGINT PRIMARY KEY,
    children BYTEA NOT NULL
);
