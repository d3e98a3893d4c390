//! Crews for the drafts: a driver for every batch, an escort for a batch carrying one of
//! 老弱病残孕, from the crew based at the vehicle's base, not blocked.
//!
//! A crew member is on duty for a batch from the moment the vehicle leaves its base until it
//! is back and disinfected (`ready_again`): the whole duty within their shift, and
//! `crew_rest` between the end of one duty and the start of the next. Batches are crewed in
//! order of leaving the base, so a member's duties never overlap; duties booked beforehand
//! (the batches a re-plan keeps) are kept clear of the same way.

use super::{Ctx, Draft, TOL};
use crate::ids::CrewCode;
use crate::problem::{CrewMember, CrewRole};

/// How a crew member is chosen among those free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CrewPick {
    /// The one whose last duty ended latest (best fit: the day needs the fewest people, and
    /// the rested stay free for what comes), escorts speaking the travelers' language first.
    BestFit,
    /// The first free in code order (the naive baseline).
    FirstFree,
}

struct Member<'a> {
    crew: &'a CrewMember,
    start: f64,
    end: f64,
    last_end: Option<f64>,
    /// Duties booked outside this plan: (leaving the base, ready again), minutes.
    booked: Vec<(f64, f64)>,
}

impl Member<'_> {
    fn free_for(&self, d: &Draft, rest: f64) -> bool {
        self.crew.base == d.base
            && self.start <= d.leave_base + TOL
            && d.ready_again <= self.end + TOL
            && self.last_end.is_none_or(|e| e + rest <= d.leave_base + TOL)
            && self.booked.iter().all(|&(leave, ready)| {
                d.ready_again + rest <= leave + TOL || ready + rest <= d.leave_base + TOL
            })
    }

    /// The end of the member's last duty before `d`, planned or booked.
    fn last_before(&self, d: &Draft) -> f64 {
        self.booked
            .iter()
            .map(|&(_, ready)| ready)
            .filter(|&ready| ready <= d.leave_base + TOL)
            .chain(self.last_end)
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// Travelers on board whose language this member speaks.
    fn speaks(&self, d: &Draft) -> usize {
        d.languages
            .iter()
            .filter(|l| {
                self.crew
                    .languages
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(l))
            })
            .count()
    }
}

/// The crew of every draft (in the given order: by leaving the base), driver first; none for
/// a draft no crew can take.
pub(crate) fn assign_crew(
    ctx: &Ctx,
    drafts: &[Draft],
    pick: CrewPick,
) -> Vec<Option<Vec<CrewCode>>> {
    let mut members: Vec<Member> = ctx
        .day
        .crew
        .iter()
        .filter(|c| c.blocked.is_none())
        .map(|c| Member {
            crew: c,
            start: ctx.clock(c.shift_start),
            end: ctx.clock(c.shift_end),
            last_end: None,
            booked: ctx
                .booked
                .crew
                .get(&c.code)
                .into_iter()
                .flatten()
                .map(|&(leave, ready)| (ctx.clock(leave), ctx.clock(ready)))
                .collect(),
        })
        .collect();
    members.sort_by(|a, b| a.crew.code.cmp(&b.crew.code));
    let rest = f64::from(ctx.day.policy.crew_rest);
    drafts
        .iter()
        .map(|d| {
            let driver = choose(&members, d, rest, CrewRole::Driver, pick)?;
            let escort = if d.special {
                Some(choose(&members, d, rest, CrewRole::Escort, pick)?)
            } else {
                None
            };
            let mut crew = Vec::new();
            for m in std::iter::once(driver).chain(escort) {
                members[m].last_end = Some(d.ready_again);
                crew.push(members[m].crew.code.clone());
            }
            Some(crew)
        })
        .collect()
}

fn choose(
    members: &[Member],
    d: &Draft,
    rest: f64,
    role: CrewRole,
    pick: CrewPick,
) -> Option<usize> {
    let free = members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.crew.role == role && m.free_for(d, rest));
    match pick {
        CrewPick::FirstFree => free.map(|(i, _)| i).next(),
        CrewPick::BestFit => {
            let lang = |m: &Member| {
                if role == CrewRole::Escort {
                    m.speaks(d)
                } else {
                    0
                }
            };
            // Highest language match, then the latest last duty; the first in code order
            // among equals (max_by keeps the last maximum, so compare the index reversed).
            free.max_by(|(i, a), (j, b)| {
                lang(a)
                    .cmp(&lang(b))
                    .then(a.last_before(d).total_cmp(&b.last_before(d)))
                    .then(j.cmp(i))
            })
            .map(|(i, _)| i)
        }
    }
}
