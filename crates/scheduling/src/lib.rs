//! Batch scheduling: a whole day of arrivals at several ports planned into safe batches.
//!
//! Pure: no IO, no SQL, no HTTP. A [`problem::Day`] (the `day.json` file a desk can write by
//! hand or the store exports) goes in; a [`plan::Plan`] (`plan.json`) comes out. Travel times
//! come through [`travel::TravelTimes`], so the road network, OSRM or straight lines can stand
//! behind the same plan.
//!
//! - [`ids`]: the desk's codes for ports, arrivals, travelers, hotels, hospitals, vehicles, crew;
//! - [`problem`]: the day — ports, arrivals with travelers, hotels with their calendars,
//!   hospitals, vehicles, crew, stays already running, and the policy's rules;
//! - [`plan`]: hotel assignments, stays, batches with stops and ETAs, the unplaced with reasons,
//!   KPIs;
//! - [`placement`]: who goes where, between hotel assignment and batch forming;
//! - [`diff`]: what changed between two plans, traveler by traveler and batch by batch;
//! - [`event`]: what happens to a planned day (`event.json`) and how it changes the day;
//! - [`fit`]: where one more traveler fits best, the three cheapest ways, in milliseconds;
//! - [`replan`]: the plan repaired after an event, the past pinned, changes penalised; a
//!   breakdown en route split at the roadside and its riders fetched by a replacement
//!   (`breakdown`);
//! - [`scenario`]: a realistic generated day over an extract's sites;
//! - [`travel`]: travel times and distances between places;
//! - [`error`]: a day that cannot be planned as given, naming the field.

pub mod baseline;
pub mod batches;
mod breakdown;
pub mod check;
pub mod day;
pub mod diff;
pub mod error;
pub mod event;
pub mod fit;
pub mod hotels;
pub mod ids;
pub mod kpis;
pub mod placement;
pub mod plan;
pub mod problem;
pub mod replan;
pub mod scenario;
pub mod travel;

pub use error::DayError;
pub use plan::Plan;
pub use problem::Day;
