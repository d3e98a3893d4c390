DROP TABLE travelers;
DROP TABLE imports;
DROP TABLE arrivals;
DROP TABLE ports;
