-- Trips that start at a hotel (issue 16, item 5): the second transfer of "14+7" collects
-- travelers whose hotel days end at their hotel and takes them home. origin_hotel_id names
-- that hotel; NULL for a trip from a port. port_id stays NOT NULL and, for a trip from a
-- hotel, names the port the vehicle is based at (where it returns to be disinfected): a
-- nullable port_id would need SQLite to rebuild trips, which every custody table references,
-- and every reader of port_id keeps a port to name.
ALTER TABLE trips ADD COLUMN origin_hotel_id BIGINT REFERENCES hotels (id);
