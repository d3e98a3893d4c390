//! Manifest intake: turn what upstream platforms push and what desks type into validated rows.
//!
//! - [`source`] reads a file (CSV in UTF-8 or GB18030, XLSX, JSON lines) into [`source::Grid`]s
//!   of cells that keep their spreadsheet row numbers;
//! - [`columns`] finds the header row below title rows, maps Chinese and English header
//!   synonyms to fields, and reads the key–value block above the header;
//! - [`normalize`] turns one raw value into its canonical form (text, document numbers, phones,
//!   dates);
//! - [`manifest`] validates every row into domain types, collecting every problem at once;
//! - `row` validates one row, on as many threads as there are cores;
//! - [`problem`] says what is wrong, where, in both languages;
//! - [`rejected`] writes rejected rows with their reasons next to the input;
//! - [`export`] neutralises cells a spreadsheet would run as formulas, for every CSV written.
//!
//! Nothing here touches the database: the store decides what is new, unchanged or conflicting.

pub mod columns;
pub mod export;
pub mod manifest;
pub mod normalize;
pub mod problem;
pub mod rejected;
mod row;
pub mod source;

pub use manifest::{IntakeError, IntakeLimits, IntakeOptions, Manifest, read_manifest};
pub use problem::{Problem, RowError, summarize};
pub use row::language_code;
