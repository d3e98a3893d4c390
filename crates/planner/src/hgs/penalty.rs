//! Adaptive penalties (Vidal et al. 2012; parameters as PyVRP's genetic algorithm used them,
//! except a steeper increase, measured better for short runs on 200-client instances):
//! after every few registrations, a penalty whose constraint was met too rarely goes up, one
//! met too often comes down, steering the search to spend part of its time just outside the
//! feasible region, where the best solutions are often reached from.

use super::indiv::{Indiv, Penalty};
use super::model::{EPS, Model};

const BETWEEN_UPDATES: u32 = 50;
const INCREASE: f64 = 1.6;
const DECREASE: f64 = 0.32;
const TARGET: f64 = 0.43;
const TOLERANCE: f64 = 0.05;
/// Repair runs the local search with penalties this many times higher.
const BOOSTER: f64 = 12.0;

#[derive(Debug, Clone)]
pub(crate) struct PenaltyManager {
    pen: Penalty,
    bounds: (Penalty, Penalty),
    load: (u32, u32),
    tw: (u32, u32),
}

impl PenaltyManager {
    pub fn new(m: &Model) -> PenaltyManager {
        let (l, t) = m.init_penalty;
        PenaltyManager {
            pen: Penalty { load: l, tw: t },
            bounds: (
                Penalty {
                    load: l * 1e-3,
                    tw: t * 1e-3,
                },
                Penalty {
                    load: l * 1e6,
                    tw: t * 1e6,
                },
            ),
            load: (0, 0),
            tw: (0, 0),
        }
    }

    pub fn current(&self) -> Penalty {
        self.pen
    }

    pub fn booster(&self) -> Penalty {
        Penalty {
            load: self.pen.load * BOOSTER,
            tw: self.pen.tw * BOOSTER,
        }
    }

    /// Records whether a freshly educated solution met each constraint.
    pub fn register(&mut self, ind: &Indiv) {
        let step = |count: &mut (u32, u32), ok: bool, p: &mut f64, lo: f64, hi: f64| {
            count.0 += ok as u32;
            count.1 += 1;
            if count.1 >= BETWEEN_UPDATES {
                let share = count.0 as f64 / count.1 as f64;
                if share < TARGET - TOLERANCE {
                    *p = (*p * INCREASE).min(hi);
                } else if share > TARGET + TOLERANCE {
                    *p = (*p * DECREASE).max(lo);
                }
                *count = (0, 0);
            }
        };
        let (lo, hi) = self.bounds;
        step(
            &mut self.load,
            ind.load <= EPS,
            &mut self.pen.load,
            lo.load,
            hi.load,
        );
        step(
            &mut self.tw,
            ind.warp <= 1e-7,
            &mut self.pen.tw,
            lo.tw,
            hi.tw,
        );
    }
}
