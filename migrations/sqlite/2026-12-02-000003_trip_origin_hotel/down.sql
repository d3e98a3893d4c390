ALTER TABLE trips DROP COLUMN origin_hotel_id;
