-- The custody record (vehicles, crew, trips, disinfections, hand-overs) and the tamper-evident
-- ledger of custody events; travelers get a purge mark for the end of retention.

CREATE TABLE vehicles (
    id INTEGER PRIMARY KEY,
    plate TEXT NOT NULL UNIQUE,
    seats BIGINT NOT NULL
);

CREATE TABLE crew_members (
    id INTEGER PRIMARY KEY,
    staff_no TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL
);

-- One vehicle trip from a port (a batch run).
CREATE TABLE trips (
    id INTEGER PRIMARY KEY,
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    port_id BIGINT NOT NULL REFERENCES ports (id),
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP NOT NULL,
    CHECK (ended_at >= started_at)
);
CREATE INDEX trips_vehicle_id ON trips (vehicle_id, started_at);

CREATE TABLE trip_crew (
    trip_id BIGINT NOT NULL REFERENCES trips (id),
    crew_id BIGINT NOT NULL REFERENCES crew_members (id),
    PRIMARY KEY (trip_id, crew_id)
);
CREATE INDEX trip_crew_crew_id ON trip_crew (crew_id);

CREATE TABLE trip_travelers (
    trip_id BIGINT NOT NULL REFERENCES trips (id),
    traveler_id BIGINT NOT NULL REFERENCES travelers (id),
    PRIMARY KEY (trip_id, traveler_id)
);
CREATE INDEX trip_travelers_traveler_id ON trip_travelers (traveler_id);

CREATE TABLE disinfections (
    id INTEGER PRIMARY KEY,
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX disinfections_vehicle_id ON disinfections (vehicle_id, at);

-- A hand-over of custody; roles are codes (port_staff, crew, hotel_staff, community_staff,
-- hospital_staff) and a crew party's id is its crew_members id. Every hand-over is an entry
-- of the ledger, written in the same transaction: ledger_seq is that entry.
CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    trip_id BIGINT REFERENCES trips (id),
    giver_role TEXT NOT NULL,
    giver_id BIGINT NOT NULL,
    receiver_role TEXT NOT NULL,
    receiver_id BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    lat DOUBLE,
    lon DOUBLE,
    expected BIGINT NOT NULL,
    counted BIGINT NOT NULL,
    ledger_seq BIGINT NOT NULL UNIQUE
);
CREATE INDEX handovers_trip_id ON handovers (trip_id);

CREATE TABLE handover_travelers (
    handover_id BIGINT NOT NULL REFERENCES handovers (id),
    traveler_id BIGINT NOT NULL REFERENCES travelers (id),
    PRIMARY KEY (handover_id, traveler_id)
);
CREATE INDEX handover_travelers_traveler_id ON handover_travelers (traveler_id);

-- The ledger. seq is the entry's leaf index (from 0); canonical is the exact text the leaf
-- hash covers; leaf_hash is lower-case hex. kind and at repeat what canonical says, for
-- queries only: the audit reads canonical and leaf_hash, nothing else.
CREATE TABLE ledger_entries (
    seq INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    canonical TEXT NOT NULL,
    leaf_hash TEXT NOT NULL
);

-- Which entries name which traveler reference: an index derived from the entries' canonical
-- text. No foreign key: the audit, not a constraint, judges the entries, and an index row
-- must not stand in the way of showing what an edit of ledger_entries did.
CREATE TABLE ledger_traveler_refs (
    traveler_ref TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (traveler_ref, seq)
);

-- One signed tree head per append batch (JSON of closedloop_ledger::SignedTreeHead).
CREATE TABLE ledger_heads (
    tree_size BIGINT PRIMARY KEY,
    head TEXT NOT NULL,
    created TIMESTAMP NOT NULL
);

-- The appender's frontier (hex of Appender::state; empty for an empty log). One row, present
-- from the start, so that every append can lock it first and appends never interleave.
CREATE TABLE ledger_state (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    tree_size BIGINT NOT NULL,
    state TEXT NOT NULL
);
INSERT INTO ledger_state (id, tree_size, state) VALUES (1, 0, '');

-- Set when the traveler's personal data was erased (closedloop purge).
ALTER TABLE travelers ADD COLUMN purged_at TIMESTAMP;
