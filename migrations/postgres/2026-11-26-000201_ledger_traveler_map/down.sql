-- The entries and heads written since (format version 2) stay: a closedloop older than the
-- traveler map cannot read them, nor the version-2 appender state.
DROP TABLE ledger_map_nodes;
DROP TABLE ledger_map_records;
