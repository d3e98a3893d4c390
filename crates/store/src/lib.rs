//! Storage for closedloop: one diesel code path over SQLite (the embedded default) and
//! PostgreSQL (the multi-instance deployment).
//!
//! - [`url`]: which backend a `--database-url` names, refusing anything ambiguous;
//! - [`connection`]: the multi-backend connection, its pool and per-connection durability
//!   settings; opened to write (writers wait their turn) or only to read;
//! - [`migrate`]: per-backend migrations embedded in the binary, applied one process at a
//!   time; a database that belongs to another program refused;
//! - [`schema`] / [`models`]: the tables, identical on both backends;
//! - [`intake`]: the all-or-nothing, idempotent import of validated manifest rows;
//! - [`query`]: counts and traveler listings;
//! - [`ledger`]: the custody ledger's rows — append batches in one durable transaction, the
//!   entries, heads and traveler index read back, `ledger verify`;
//! - [`events`]: the ledger read as a feed, entries after a sequence number;
//! - [`crosscheck`]: the custody rows `ledger verify` compares with the entries, loaded in the
//!   ledger's words;
//! - [`custody`]: vehicles, crew, trips, disinfections and hand-overs (each with its ledger
//!   entry), and the record contact tracing reads;
//! - [`desk`]: the desk and phone path of the hand-over — check-lists, trips through their
//!   gates, hand-overs confirmed with the receiver's one-time code, loops, incidents, the
//!   record — each event with its ledger entry;
//! - [`places`]: quarantine hotels, designated hospitals and the ports' processing times, as
//!   the desk imported and edited them;
//! - [`outbox`]: the notifications' outbox — messages for the configured webhooks projected from
//!   the ledger with their cursor in one transaction, leased for delivery, every attempt logged;
//! - [`idempotency`]: the web service's idempotency keys, committed with the write they guard;
//! - [`group`]: group commit — write transactions arriving together, each in its own savepoint,
//!   share one durable commit; none returns before that commit;
//! - [`snapshot`]: reads that must see one state of the database (`ledger verify`, the daily
//!   report);
//! - [`positions`]: vehicle positions reported by the phones in batches, the latest of each;
//! - [`plans`]: approved plan versions of a day and the trips each created;
//! - [`purge`]: erasing travelers' personal data at the end of retention;
//! - [`accounts`]: the web service's accounts, sessions, bearer tokens, failed logins, the
//!   audit log of unmasked personal data, and the facts object rules read;
//! - [`testing`]: a fresh database per test on either backend; [`generate`]: a generated year of
//!   custody records with their ledger entries, for `bench ledger-verify` (both behind the
//!   `testing` feature).

pub mod accounts;
pub mod batch_edit;
pub mod batches;
pub mod connection;
pub mod crosscheck;
pub mod custody;
pub mod desk;
pub mod error;
pub mod events;
#[cfg(feature = "testing")]
pub mod generate;
pub mod group;
pub mod guarded;
pub mod idempotency;
pub mod intake;
pub mod ledger;
pub mod migrate;
pub mod models;
pub mod outbox;
pub mod places;
pub mod plans;
pub mod positions;
pub mod purge;
pub mod query;
pub mod report;
pub mod schema;
pub mod snapshot;
#[cfg(feature = "testing")]
pub mod testing;
pub mod uploads;
pub mod url;

pub use connection::{Access, Backend, DbConnection, Store, in_transaction, write_transaction};
pub use error::StoreError;
pub use migrate::MigrationState;
pub use snapshot::read_snapshot;
pub use url::DatabaseUrl;
