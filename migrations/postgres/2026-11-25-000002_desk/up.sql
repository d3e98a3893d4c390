-- The desk and phone path of the hand-over: trips planned ahead and their states, completed
-- check-lists, gate decisions, hand-overs waiting for the receiver's code, each traveler's loop
-- status, and incidents. Every row that records an event carries the ledger entry written in
-- the same transaction (ledger_seq).

-- Trips recorded before this migration were recorded after the fact: they are completed.
-- A trip the desk plans starts 'planned'; started_at and ended_at then hold the planned
-- departure and arrival until the trip departs and completes.
ALTER TABLE trips ADD COLUMN state TEXT NOT NULL DEFAULT 'completed'
    CHECK (state IN ('planned', 'approved', 'departed', 'completed', 'cancelled'));
ALTER TABLE trips ADD COLUMN planned_arrival TIMESTAMP;

-- One completed check-list. subject names what it is bound to: crew (training, health),
-- shift (rotation handover), vehicle_day (daily inspection), vehicle_after_trip (sanitation),
-- trip (pre-departure reminder), stop (personnel hand-over); subject_json is the whole subject.
-- day is the local day it counts for. answers and failures are JSON.
CREATE TABLE checklist_instances (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    template_version TEXT NOT NULL,
    subject TEXT NOT NULL,
    crew_id BIGINT REFERENCES crew_members (id),
    vehicle_id BIGINT REFERENCES vehicles (id),
    trip_id BIGINT REFERENCES trips (id),
    stop BIGINT,
    day DATE NOT NULL,
    subject_json TEXT NOT NULL,
    answers TEXT NOT NULL,
    passed BOOLEAN NOT NULL,
    failures TEXT NOT NULL,
    completed_at TIMESTAMP NOT NULL,
    completed_by BIGINT REFERENCES crew_members (id),
    ledger_seq BIGINT NOT NULL UNIQUE
);
CREATE INDEX checklist_instances_crew ON checklist_instances (kind, crew_id);
CREATE INDEX checklist_instances_vehicle ON checklist_instances (kind, vehicle_id);
CREATE INDEX checklist_instances_trip ON checklist_instances (kind, trip_id);

-- Every gate checked for a trip, passed or refused; missing is the JSON list of what was
-- missing (closedloop_handover::Missing).
CREATE TABLE gate_decisions (
    id BIGSERIAL PRIMARY KEY,
    trip_id BIGINT NOT NULL REFERENCES trips (id),
    transition TEXT NOT NULL,
    passed BOOLEAN NOT NULL,
    missing TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    ledger_seq BIGINT NOT NULL UNIQUE
);
CREATE INDEX gate_decisions_trip_id ON gate_decisions (trip_id);

-- A hand-over the giver has started and the receiver has not yet confirmed with the one-time
-- code. secret is the hex key of the code (closedloop_handover::otp); travelers a JSON array of
-- ids. trip_id is the crew side's trip; to_trip_id the receiving crew's, crew to crew only.
CREATE TABLE handover_requests (
    id BIGSERIAL PRIMARY KEY,
    trip_id BIGINT NOT NULL REFERENCES trips (id),
    to_trip_id BIGINT REFERENCES trips (id),
    giver_role TEXT NOT NULL,
    giver_id BIGINT NOT NULL,
    receiver_role TEXT NOT NULL,
    receiver_id BIGINT NOT NULL,
    giver_signer TEXT NOT NULL,
    expected BIGINT NOT NULL,
    travelers TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed')),
    handover_id BIGINT REFERENCES handovers (id)
);

-- Each traveler's place in the loop; no row means not yet in custody. party is the holder
-- (in custody) or the receiver that closed the loop (delivered), as closedloop_handover::Party:
-- port_staff (party_id: the port), crew (party_id: the trip), hotel_staff, community_staff or
-- hospital (party_id: the destination). One row per traveler: nobody is in two custodies.
CREATE TABLE traveler_loops (
    traveler_id BIGINT PRIMARY KEY REFERENCES travelers (id),
    status TEXT NOT NULL CHECK (status IN ('in_custody', 'delivered')),
    party TEXT NOT NULL,
    party_id BIGINT NOT NULL,
    since TIMESTAMP NOT NULL,
    handover_id BIGINT REFERENCES handovers (id),
    trip_id BIGINT REFERENCES trips (id)
);
CREATE INDEX traveler_loops_status ON traveler_loops (status);

CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    trip_id BIGINT REFERENCES trips (id),
    vehicle_id BIGINT REFERENCES vehicles (id),
    description TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolved_at TIMESTAMP,
    resolution TEXT,
    ledger_seq BIGINT NOT NULL UNIQUE
);
CREATE INDEX incidents_at ON incidents (at);

CREATE TABLE incident_travelers (
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    traveler_id BIGINT NOT NULL REFERENCES travelers (id),
    PRIMARY KEY (incident_id, traveler_id)
);

CREATE TABLE incident_crew (
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    crew_id BIGINT NOT NULL REFERENCES crew_members (id),
    PRIMARY KEY (incident_id, crew_id)
);
