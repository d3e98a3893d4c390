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
    #[error("ledger entry refused: {0}")]
    LedgerEntry(#[from] closedloop_ledger::EntryError),
    #[error("nothing to append to the ledger: a batch needs at least one entry")]
    EmptyAppend,
    #[error(
        "the stored ledger state is unreadable ({0}): run `closedloop ledger verify`, which names what was edited"
    )]
    LedgerState(String),
    #[error(
        "the stored signed head of size {size} is unreadable ({reason}): the row was edited or damaged"
    )]
    LedgerHead { size: i64, reason: String },
    #[error(
        "the ledger holds {found} leaf hashes in order below {size}, not {size}: entries are missing or misnumbered; run `closedloop ledger verify`"
    )]
    LedgerGap { size: u64, found: u64 },
    #[error(
        "unknown party role {0:?}: use port_staff, crew, hotel_staff, community_staff or hospital_staff"
    )]
    UnknownRole(String),
    #[error("stored data is unreadable: {0}; the row was edited or damaged")]
    Corrupt(String),
    #[error(transparent)]
    Desk(#[from] crate::desk::DeskError),
}

impl StoreError {
    /// The desk's refusal, when that is what this is: callers print it in their language.
    pub fn desk(&self) -> Option<&crate::desk::DeskError> {
        match self {
            StoreError::Desk(d) => Some(d),
            _ => None,
        }
    }
}
