DROP INDEX trips_plan_version_id;
ALTER TABLE trips DROP COLUMN batch_code;
ALTER TABLE trips DROP COLUMN plan_version_id;
DROP TABLE plan_versions;
