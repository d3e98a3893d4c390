//! Breakdowns en route: a batch that broke down ends at a roadside stop of its own that hands
//! over no one; a replacement batch starts at that roadside, naming the broken batch, and
//! reaches it no earlier than the broken vehicle did.
//!
//! A replacement's riders boarded the batch that left the port (or hotel), following roadside
//! origins back: every rule on boarding — the origin, the arrival, the port wait — and the
//! ride limits are measured from there ([`boarding`]), so time on the roadside counts as ride.

use super::{Ctx, TOLERANCE_MIN, Violation, hm, minutes};
use crate::ids::BatchCode;
use crate::plan::{Batch, Place, Plan};
use std::collections::BTreeMap;

pub(super) fn check(ctx: &Ctx, out: &mut Vec<Violation>) {
    for b in &ctx.plan.batches {
        let code = &b.code;
        let last = b.stops.len().saturating_sub(1);
        for (i, s) in b.stops.iter().enumerate() {
            if let Place::Roadside { batch, .. } = &s.place
                && (batch != code || i != last || !s.travelers.is_empty())
            {
                out.push(mismatch(
                    code,
                    format!("batch {code} stops at the roadside of {batch} at stop {i}: a roadside is the last stop of the batch that broke down there, handing over no one"),
                    format!("批次 {code} 第 {i} 站为 {batch} 的抛锚处：抛锚处只能是该抛锚批次的最后一站，且不交接任何人"),
                ));
            }
        }
        let Place::Roadside { batch, .. } = &b.origin else {
            continue;
        };
        let end = ctx
            .batches
            .get(batch)
            .filter(|x| &x.code != code)
            .and_then(|x| x.stops.last());
        match end {
            Some(s) if s.place == b.origin => {
                if minutes(s.eta, b.depart) < -TOLERANCE_MIN {
                    out.push(Violation::new(
                        "replacement_too_early",
                        code,
                        format!(
                            "replacement batch {code} leaves the roadside at {}, before {batch} broke down there at {}",
                            hm(b.depart),
                            hm(s.eta)
                        ),
                        format!(
                            "接驳批次 {code} 于 {} 离开抛锚处，早于 {batch} 在该处抛锚的时间 {}",
                            hm(b.depart),
                            hm(s.eta)
                        ),
                    ));
                }
            }
            _ => out.push(mismatch(
                code,
                format!("batch {code} starts at the roadside of {batch}, where no batch of the plan ends"),
                format!("批次 {code} 从 {batch} 的抛锚处出发，但计划中没有批次在该处结束"),
            )),
        }
    }
}

fn mismatch(code: &BatchCode, en: String, zh: String) -> Violation {
    Violation::new("roadside_mismatch", code, en, zh)
}

/// For every batch, the batch its riders boarded: itself, or for a replacement the batch it
/// took over from, back to one that did not start at a roadside; none when a roadside origin
/// leads nowhere (that is `roadside_mismatch`).
pub(super) fn boarding(plan: &Plan) -> BTreeMap<&BatchCode, Option<&Batch>> {
    let mut by_code: BTreeMap<&BatchCode, &Batch> = BTreeMap::new();
    for b in &plan.batches {
        by_code.entry(&b.code).or_insert(b);
    }
    plan.batches
        .iter()
        .map(|b| {
            let mut at = b;
            let mut steps = 0;
            // Bounded: a cycle of roadsides leads nowhere.
            let root = loop {
                match &at.origin {
                    Place::Roadside { batch, .. } => match by_code.get(batch) {
                        Some(x) if steps < plan.batches.len() => {
                            at = x;
                            steps += 1;
                        }
                        _ => break None,
                    },
                    _ => break Some(at),
                }
            };
            (&b.code, root)
        })
        .collect()
}
