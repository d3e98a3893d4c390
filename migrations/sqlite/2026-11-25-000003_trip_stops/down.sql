ALTER TABLE trip_travelers DROP COLUMN destination_id;
ALTER TABLE trip_travelers DROP COLUMN stop;
