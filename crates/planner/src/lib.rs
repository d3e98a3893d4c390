//! Vehicle route planning: which vehicle takes which travelers to which stops, in what order.
//!
//! - [`problem`]: the typed planning problem (depot, jobs, fleet, matrix, objective);
//! - [`solution`]: trips of vehicles;
//! - [`solve`]: the solver's interface (options, outcome);
//! - `hgs` (private): the engine behind [`solve`], a hybrid genetic search;
//! - [`check`]: the independent feasibility checker, every broken rule named;
//! - [`formats`]: benchmark instances (Solomon, VRPLIB), best-known results, `Route #k` plans;
//! - [`generate`]: generated problems of the desk's shape (an arrival day), for tests and benches;
//! - [`error`]: what can go wrong, naming the job, vehicle type, file or line.

pub mod check;
pub mod error;
pub mod formats;
#[cfg(feature = "generate")]
pub mod generate;
mod hgs;
pub mod problem;
pub mod solution;
pub mod solve;

pub use error::PlanError;
pub use problem::{Depot, Job, Matrix, Objective, Problem, Skills, VehicleType};
pub use solution::{Solution, Trip};
pub use solve::{Outcome, SolveOptions, solve, verify};
