//! closedloop's hand-over logic — pure Rust, no IO. The storage and command layers drive it:
//! they load facts, call these functions, and store what they return.
//!
//! - [`template`]: the check-lists (六项清单 and the crew's daily health check) as versioned
//!   templates read from `config/checklists.toml`;
//! - [`evaluate`]: completed check-lists bound to what they check, and whether they passed,
//!   naming every failing item;
//! - [`gate`]: which check-lists a batch transition requires (`config/gates.toml`), the facts
//!   the store supplies, and [`check_gate`];
//! - [`missing`]: what a refused gate reports;
//! - [`otp`]: the receiver's six-digit confirmation code;
//! - [`handover`]: a custody hand-over and its validation (head-count, signers, code);
//! - [`custody`]: each traveler's loop status, its state machine, and the all-or-none
//!   [`Custody`] aggregate;
//! - [`request`]: a hand-over as the desk path runs it — the request checked against its
//!   trips and loops, and what a confirmation writes (or the incident a refusal opens);
//! - [`incident`]: incidents, their vocabulary and resolution;
//! - [`transition`]: a planned trip's checks, and its passage through the gates to a new state;
//! - [`record`]: the per-day and cumulative record ("zero infection, zero incident");
//! - [`ids`], [`text`], [`error`]: ids, bilingual texts, configuration errors.

#[macro_use]
pub mod text;

pub mod custody;
pub mod error;
pub mod evaluate;
pub mod gate;
pub mod handover;
pub mod ids;
pub mod incident;
pub mod missing;
pub mod otp;
pub mod place;
pub mod record;
pub mod request;
pub mod template;
pub mod transition;

pub use custody::{Custody, CustodyError, LoopError, LoopStatus, Party, due_at, overdue};
pub use error::ConfigError;
pub use evaluate::{Answer, Answers, Instance, Outcome, Subject, evaluate};
pub use gate::{GateBook, GateFacts, Requirement, check_gate};
pub use handover::{ConfirmedHandover, Handover, HandoverRefusal};
pub use incident::{Incident, IncidentKind, IncidentReport, Severity};
pub use missing::{GateRefusal, Missing};
pub use template::{ChecklistKind, Template, TemplateBook};
