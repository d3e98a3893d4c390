DROP TABLE vehicle_positions;
