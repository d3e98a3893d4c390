DROP TABLE manifest_rejected_rows;
DROP TABLE manifest_uploads;
