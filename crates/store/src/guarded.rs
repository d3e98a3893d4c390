//! A write transaction whose closure answers in its caller's error type — a use case that
//! checks something inside the transaction (the version an edit was made from, a row still
//! there) and refuses in its own words, all of it rolled back.

use crate::{DbConnection, StoreError, write_transaction};

enum Guard<E> {
    Store(StoreError),
    Refused(E),
}

impl<E> From<diesel::result::Error> for Guard<E> {
    fn from(e: diesel::result::Error) -> Self {
        Guard::Store(e.into())
    }
}

/// [`write_transaction`] for a closure failing with `E`: committed if it succeeds, rolled
/// back with its error (or the database's, as `E`) if not.
pub fn write<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    write_transaction(conn, |conn| f(conn).map_err(Guard::Refused)).map_err(|g| match g {
        Guard::Store(s) => E::from(s),
        Guard::Refused(e) => e,
    })
}
