//! closedloop's use cases: one function per thing a desk, a phone or a wall asks, each taking
//! a typed request and returning a typed, serialisable response. The command line and the web
//! server are adapters over these functions; they parse, print and map errors, nothing more.
//!
//! - [`accounts`]: the web service's accounts and roles — logins with argon2id and TOTP,
//!   sessions, bearer tokens, the lockout, what each role may do on which objects, the audit
//!   log of unmasked personal data;
//! - [`context`]: [`App`] — the configuration, the database (opened once), the ledger keys,
//!   notices for the operator;
//! - [`config`] / [`keys`]: loading the settings and the ledger's key file;
//! - [`error`]: [`AppError`] with stable codes and text in both languages;
//! - [`parse`]: times, parties, stops and points as people type them;
//! - [`mask`]: who sees which personal field — one policy for every listing and export;
//! - [`import`]: a manifest in, all rows or none, with the rejected-rows file;
//! - [`upload`]: a manifest uploaded as bytes (the web service's import): all rows or none, or
//!   the valid ones with the refused kept in the store and corrected one by one;
//! - [`travelers`]: listings and counts;
//! - [`trips`]: vehicles, crew, trips planned and moved through their gates;
//! - [`checklist`], [`handover`], [`incidents`]: the desk and phone path of custody;
//! - [`phone`]: that path for a signed-in caller — who may start, show, confirm, move what;
//! - [`custody`]: open loops and the record;
//! - [`events`]: live events, read from the ledger (an event's id is its entry's number);
//! - [`notify`]: notifications to the configured webhooks (`[notify]`) — incidents and overdue
//!   loops to the command centre, departure reminders to travelers in their language — through
//!   an outbox projected from the ledger, delivered at least once with back-off;
//! - [`refusal`]: a desk refusal as JSON;
//! - [`trace`]: contact tracing from the custody record;
//! - [`ledger`], [`purge`]: the ledger's audit, bundles and checkpoints; erasure at the end of
//!   retention;
//! - [`roads`]: the travel model in force, routes and matrices;
//! - [`geocode`]: home addresses placed offline from the extract, or by a Nominatim service;
//! - [`places`]: hotels and designated hospitals imported from CSV and edited, the ports'
//!   processing times;
//! - [`positions`]: vehicle positions the phones report in batches, the latest of each;
//! - [`schedule`]: a day planned from `day.json` into `plan.json`, beside the naive baseline,
//!   and a plan checked;
//! - [`dayplan`]: the same on documents for the web service — planned, checked, approved from
//!   the version read, read back, re-planned with the diff, versions compared;
//! - [`version`]: the version of what a reader saw (ETag), checked by the edit it sends back
//!   (If-Match);
//! - [`report`]: the daily report (日通报) of one local day, after the ledger verified, as
//!   JSON or an XLSX workbook in either language;
//! - [`housekeeping`]: what the service forgets on its own — idempotency keys after their 24 h,
//!   ended sessions after a week;
//! - [`db`]: migrations and status.

pub mod accounts;
pub mod approve;
pub mod batch_edit;
pub mod batches;
pub mod checklist;
pub mod config;
pub mod context;
pub mod custody;
pub mod dayplan;
pub mod db;
pub mod error;
pub mod events;
pub mod field;
pub mod geocode;
pub mod handover;
pub mod housekeeping;
pub mod import;
pub mod incidents;
pub mod keys;
pub mod ledger;
pub mod mask;
pub mod notify;
pub mod parse;
pub mod phone;
pub mod places;
pub mod positions;
pub mod purge;
pub mod refusal;
pub mod replan;
pub mod report;
pub mod roads;
pub mod scenario;
pub mod schedule;
pub mod trace;
pub mod travelers;
pub mod trips;
pub mod upload;
pub mod version;

pub use context::{App, Notice};
pub use error::{AppError, AppResult, Fault};
pub use mask::{AccessRole, Viewer};
