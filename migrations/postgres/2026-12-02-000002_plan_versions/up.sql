-- Approved plans of a day (issue 16, item 5): each approval stores the plan file as approved
-- (its JSON, closedloop-plan/1) as the day's next version, and the trips it created keep a
-- link to it and the batch's code in the plan.

CREATE TABLE plan_versions (
    id BIGSERIAL PRIMARY KEY,
    service_date DATE NOT NULL,
    version BIGINT NOT NULL CHECK (version >= 1),
    policy TEXT NOT NULL,
    plan TEXT NOT NULL,
    approved_at TIMESTAMP NOT NULL,
    UNIQUE (service_date, version)
);

ALTER TABLE trips ADD COLUMN plan_version_id BIGINT REFERENCES plan_versions (id);
ALTER TABLE trips ADD COLUMN batch_code TEXT;
CREATE INDEX trips_plan_version_id ON trips (plan_version_id);
