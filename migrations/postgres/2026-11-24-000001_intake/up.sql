-- Ports, arrivals, imports and travelers: what manifest intake stores.
CREATE TABLE ports (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL
);

CREATE TABLE arrivals (
    id BIGSERIAL PRIMARY KEY,
    transport_no TEXT NOT NULL,
    port_id BIGINT NOT NULL REFERENCES ports (id),
    service_date DATE NOT NULL,
    scheduled_at TIMESTAMP NOT NULL,
    actual_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (transport_no, port_id, service_date)
);

CREATE TABLE imports (
    id BIGSERIAL PRIMARY KEY,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    rows_total BIGINT NOT NULL,
    rows_imported BIGINT NOT NULL,
    rows_unchanged BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);

CREATE TABLE travelers (
    id BIGSERIAL PRIMARY KEY,
    arrival_id BIGINT NOT NULL REFERENCES arrivals (id),
    full_name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date DATE,
    nationality TEXT NOT NULL,
    document_type TEXT NOT NULL,
    document_number TEXT NOT NULL,
    phone TEXT,
    language TEXT,
    health TEXT NOT NULL,
    special_needs TEXT NOT NULL,
    destination_kind TEXT NOT NULL,
    destination_address TEXT,
    family_group TEXT,
    notes TEXT,
    import_id BIGINT NOT NULL REFERENCES imports (id),
    source_row BIGINT NOT NULL,
    -- document_number leads: the import looks travelers up by it.
    UNIQUE (document_number, document_type, nationality)
);

CREATE INDEX travelers_arrival_id ON travelers (arrival_id);
