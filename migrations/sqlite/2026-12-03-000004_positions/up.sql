-- Vehicle positions the crews' phones report in batches (issue 17, item 4). A phone on a bad
-- network sends a batch again: a position is one (vehicle, time), stored once.

CREATE TABLE vehicle_positions (
    id INTEGER PRIMARY KEY,
    vehicle_id BIGINT NOT NULL REFERENCES vehicles (id),
    trip_id BIGINT REFERENCES trips (id),
    at TIMESTAMP NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    speed_kmh DOUBLE PRECISION,
    heading_deg DOUBLE PRECISION,
    accuracy_m DOUBLE PRECISION,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (vehicle_id, at)
);

CREATE INDEX vehicle_positions_trip ON vehicle_positions (trip_id);
