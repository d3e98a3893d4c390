use crate::intake::Conflict;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("port {0:?} is not in the database: add it to config/ports.toml")]
    UnknownPort(String),
    #[error("{} row(s) conflict with travelers already stored; nothing was imported", .0.len())]
    Conflicts(Vec<Conflict>),
}
