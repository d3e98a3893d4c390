//! closedloop's use cases: one function per thing a desk, a phone or a wall asks, each taking
//! a typed request and returning a typed, serialisable response. The command line and the web
//! server are adapters over these functions; they parse, print and map errors, nothing more.
//!
//! - [`context`]: [`App`] — the configuration, the database (opened once), the ledger keys,
//!   notices for the operator;
//! - [`config`] / [`keys`]: loading the settings and the ledger's key file;
//! - [`error`]: [`AppError`] with stable codes and text in both languages;
//! - [`parse`]: times, parties, stops and points as people type them;
//! - [`mask`]: who sees which personal field — one policy for every listing and export;
//! - [`import`]: a manifest in, all rows or none, with the rejected-rows file;
//! - [`travelers`]: listings and counts;
//! - [`trips`]: vehicles, crew, trips planned and moved through their gates;
//! - [`checklist`], [`handover`], [`incidents`]: the desk and phone path of custody;
//! - [`custody`]: open loops and the record;
//! - [`refusal`]: a desk refusal as JSON;
//! - [`trace`]: contact tracing from the custody record;
//! - [`ledger`], [`purge`]: the ledger's audit, bundles and checkpoints; erasure at the end of
//!   retention;
//! - [`roads`]: the travel model in force, routes and matrices;
//! - [`geocode`]: home addresses placed offline from the extract, or by a Nominatim service;
//! - [`places`]: hotels and designated hospitals imported from CSV and edited, the ports'
//!   processing times;
//! - [`planning`]: travelers into planning jobs and the fleet rules;
//! - [`schedule`]: a day planned from `day.json` into `plan.json`, beside the naive baseline,
//!   and a plan checked;
//! - [`version`]: the version of what a reader saw (ETag), checked by the edit it sends back
//!   (If-Match);
//! - [`db`]: migrations and status.

pub mod approve;
pub mod checklist;
pub mod config;
pub mod context;
pub mod custody;
pub mod db;
pub mod error;
pub mod geocode;
pub mod handover;
pub mod import;
pub mod incidents;
pub mod keys;
pub mod ledger;
pub mod mask;
pub mod parse;
pub mod places;
pub mod planning;
pub mod purge;
pub mod refusal;
pub mod replan;
pub mod roads;
pub mod scenario;
pub mod schedule;
pub mod trace;
pub mod travelers;
pub mod trips;
pub mod version;

pub use context::{App, Notice};
pub use error::{AppError, AppResult, Fault};
pub use mask::{AccessRole, Viewer};
