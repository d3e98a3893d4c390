-- Trips with several stops. Each traveler of a trip rides to one stop: stop is its number in
-- the trip's order, from 0 (as the personnel hand-over check-list counts stops), and
-- destination_id the place the stop's receiver stands for (a hotel, hospital or community,
-- the id a hand-over to its staff names); NULL when the desk did not say, as for trips
-- recorded before this migration, which are one stop.
ALTER TABLE trip_travelers ADD COLUMN stop BIGINT NOT NULL DEFAULT 0;
ALTER TABLE trip_travelers ADD COLUMN destination_id BIGINT;
