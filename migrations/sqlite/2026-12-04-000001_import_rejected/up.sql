-- Manifests uploaded over HTTP (issue 17): the rows an import with accept_valid refused are
-- kept here, cells and errors, until the desk sends each corrected one back and it is stored.
-- An upload's head is its sheets' rows down to the header (title rows, the arrival block, the
-- header), so a corrected row is judged by the same columns and arrival as the file's.

CREATE TABLE manifest_uploads (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    transport TEXT,
    head_json TEXT NOT NULL,
    account_id BIGINT,
    uploaded_at TIMESTAMP NOT NULL
);

CREATE TABLE manifest_rejected_rows (
    upload_id BIGINT NOT NULL REFERENCES manifest_uploads (id),
    sheet TEXT NOT NULL,
    row_number BIGINT NOT NULL,
    cells_json TEXT NOT NULL,
    errors_json TEXT NOT NULL,
    PRIMARY KEY (upload_id, sheet, row_number)
);
