-- The places the desk plans with (issue 16, item 1): quarantine hotels and designated
-- hospitals, imported from CSV and edited by the desk, and each port's processing time.
-- code is the desk's key (upper-case, unique): importing a code again updates that row.
-- languages holds the staff's short language codes separated by ';' ("zh;en;ja").

CREATE TABLE hotels (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    rooms BIGINT NOT NULL CHECK (rooms >= 1),
    accessible_rooms BIGINT NOT NULL CHECK (accessible_rooms >= 0 AND accessible_rooms <= rooms),
    languages TEXT NOT NULL,
    is_open BOOLEAN NOT NULL
);

CREATE TABLE hospitals (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE NOT NULL,
    lon DOUBLE NOT NULL,
    designated BOOLEAN NOT NULL
);

-- Minutes from an arrival until its travelers are ready to board, as the desk set it; NULL
-- means the default of the port's kind (closedloop_app::places).
ALTER TABLE ports ADD COLUMN processing_minutes BIGINT
    CHECK (processing_minutes >= 0 AND processing_minutes <= 1440);
