ALTER TABLE handover_requests DROP COLUMN wrong_codes;
