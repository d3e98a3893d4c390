//! closedloop's domain model — pure Rust, no IO.
//!
//! Everything a dispatch desk talks about, as types that refuse wrong states: parse a raw value
//! into a domain type once (`FromStr` / `parse`), and every later layer can trust it.
//!
//! - [`ids`]: newtype ids, one per entity, so a vehicle id can never be passed as a traveler id;
//! - [`geo`]: validated coordinates;
//! - [`port`]: ports of entry (airport, rail, road, seaport);
//! - [`arrival`]: one flight / train / crossing arriving at a port;
//! - [`traveler`]: who arrives, their documents, health status and special needs;
//! - [`destination`]: quarantine hotels, home addresses, designated hospitals;
//! - [`fleet`]: vehicles and crew members;
//! - [`batch`]: one vehicle trip from a port with its ordered stops, and its state machine;
//! - [`role`]: the party roles of a hand-over (port staff, crew, hotel, community and hospital
//!   staff), one vocabulary for every crate;
//! - [`severity`]: how serious an incident is, one grading for the desk, the ledger and bundles;
//! - [`policy`]: the versioned quarantine policy ("14+7"), read from `config/`;
//! - [`country`]: ISO 3166-1 countries by code or by Chinese / English name;
//! - [`manifest`]: a validated manifest row;
//! - [`lang`]: the two languages every user-facing text exists in;
//! - [`hash`]: SplitMix64 and FNV-1a, bit-exact for seeds and persisted fingerprints;
//! - [`error`]: typed validation errors;
//! - [`excerpt`]: how a message quotes a value (a short excerpt, never a 50 MB cell).

#[macro_use]
#[doc(hidden)]
pub mod vocab;

// For the exported macros, so a crate using them needs no serde of its own.
#[doc(hidden)]
pub use serde as __serde;
// Lets the exported `id_type!` name serde's path the same way inside and outside this crate.
extern crate self as closedloop_domain;

pub mod arrival;
pub mod batch;
pub mod country;
pub mod destination;
pub mod error;
pub mod excerpt;
pub mod fleet;
pub mod geo;
pub mod hash;
pub mod ids;
pub mod lang;
pub mod manifest;
pub mod policy;
pub mod port;
pub mod role;
pub mod severity;
pub mod traveler;

pub use error::DomainError;
pub use lang::Lang;
