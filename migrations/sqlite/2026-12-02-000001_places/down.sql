ALTER TABLE ports DROP COLUMN processing_minutes;
DROP TABLE hospitals;
DROP TABLE hotels;
