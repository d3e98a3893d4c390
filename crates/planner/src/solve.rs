//! The solver's public face: options in, the best plan found out. The engine behind it can be
//! replaced without touching callers.

use crate::{Problem, Solution};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// Same seed, same iteration limit, same problem: same plan.
    pub seed: u64,
    /// Anytime: the best plan so far is returned when this runs out.
    pub time_limit: Option<Duration>,
    /// Search iterations (per thread); with no time limit this makes runs reproducible.
    pub iterations: Option<u64>,
    /// Worker threads (default: the machine's cores).
    pub threads: usize,
    /// Set to true from elsewhere to stop early; the best plan so far is returned.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            seed: 1,
            time_limit: Some(Duration::from_secs(1)),
            iterations: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cancel: None,
        }
    }
}

/// What came out of a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub solution: Solution,
    /// Jobs no vehicle can serve at all (no type with the seats and skills, or unreachable in
    /// any window); every other job is in `solution`.
    pub unassigned: Vec<usize>,
    pub iterations: u64,
    pub seconds: f64,
}

/// Solves `problem` (which must have passed [`Problem::validate`]).
pub fn solve(problem: &Problem, options: &SolveOptions) -> Outcome {
    let _ = (problem, options);
    todo!("the hybrid genetic search lands here")
}
