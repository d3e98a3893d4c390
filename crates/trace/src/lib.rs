//! Contact tracing over the custody record.
//!
//! When a traveler or a crew member tests positive, the question is immediately "who shared the
//! vehicle, the crew, the hand-over?" — the custody record is also the contact-tracing record.
//! This crate answers it as a graph query, without a database: the storage layer fills the plain
//! structs of [`model`], [`Record::build`] turns them into a petgraph graph with per-vehicle and
//! per-crew timelines, and [`Record::trace`] lists everyone exposed, each once, with the reason
//! and the time.
//!
//! - [`model`]: ids, trips, disinfections, hand-overs, parties, the index case and contacts;
//! - [`record`]: the custody graph and its timelines;
//! - [`trace`]: the rules of exposure and the query;
//! - [`generate`]: a deterministic year of records for benchmarks;
//! - [`error`]: what can go wrong, naming the id.

pub mod error;
#[cfg(feature = "generate")]
pub mod generate;
pub mod model;
pub mod record;
pub mod trace;

pub use error::TraceError;
pub use model::{
    Contact, CrewId, Disinfection, HandOver, Party, PartyId, Role, Subject, TravelerId, Trip,
    TripId, VehicleId,
};
pub use record::{Counts, Record};
pub use trace::{DEFAULT_CREW_EXPOSURE_WINDOW_S, Exposure, Reason, TraceOptions};
