//! Hand-overs, their travelers, and each traveler's loop.

use super::{
    Change, Cx, HandoverRow, LoopRow, Noun, Table, Unreadable, W, grouped, key, opt, place, time,
    travelers_en,
};
use crate::entry::{Body, Entry, HandOver, TravelerRef};
use closedloop_domain::role::PartyRole;
use std::collections::HashMap;

const HANDOVER: Noun = Noun("hand-over", "交接");

impl Cx<'_> {
    /// Checks `handovers` and `handover_travelers`; returns each HandOver entry's hand-over id.
    pub(super) fn handovers(
        &mut self,
        rows: &[HandoverRow],
        travelers: &[(i64, i64)],
    ) -> HashMap<u64, i64> {
        let mut taken: HashMap<u64, i64> = HashMap::with_capacity(rows.len());
        let mut rows: Vec<&HandoverRow> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.id);
        let mut pairs = travelers.to_vec();
        pairs.sort_unstable();
        let mut next = 0;
        let (t, tt) = (Table::Handovers, Table::HandoverTravelers);
        for r in rows {
            let id = r.id;
            let listed: Vec<i64> = grouped(self, tt, HANDOVER, &pairs, &mut next, id)
                .iter()
                .map(|p| p.1)
                .collect();
            let Some((seq, e)) =
                self.entry_of(t, HANDOVER, id, r.ledger_seq, "hand_over", &mut taken)
            else {
                continue;
            };
            let Body::HandOver(h) = &e.body else { continue };
            self.handover_fields(r, seq, e, h);
            self.named_travelers(tt, HANDOVER, id, seq, &h.travelers, &listed);
        }
        self.orphans(tt, HANDOVER, &pairs[next..]);
        self.unclaimed(t, "hand_over", &taken, |e| match &e.body {
            Body::HandOver(h) => {
                let (from, to, n) = (h.from.describe(), h.to.describe(), h.travelers.len());
                W::two(
                    format!(
                        "the hand-over {from} → {to} (batch {}, {})",
                        h.batch,
                        travelers_en(n)
                    ),
                    format!("交接 {from} → {to}（批次 {}，{n} 名旅客）", h.batch),
                )
            }
            _ => unreachable!("filtered by kind"),
        });
        taken.into_iter().collect()
    }

    fn handover_fields(&mut self, r: &HandoverRow, seq: u64, e: &Entry, h: &HandOver) {
        let (t, id) = (Table::Handovers, r.id);
        if r.batch != h.batch {
            let what = Noun("batch", "批次");
            self.differs(
                t,
                HANDOVER,
                id,
                seq,
                what,
                h.batch.to_string(),
                r.batch.to_string(),
            );
        }
        for (what, stored, entry) in [
            (Noun("giver", "交出方"), &r.from, &h.from),
            (Noun("receiver", "接收方"), &r.to, &h.to),
        ] {
            match stored {
                Ok(p) if p == entry => {}
                Ok(p) => self.differs(t, HANDOVER, id, seq, what, entry.describe(), p.describe()),
                Err(Unreadable) => self.differs(
                    t,
                    HANDOVER,
                    id,
                    seq,
                    what,
                    entry.describe(),
                    W::two("an unreadable role", "无法识别的角色"),
                ),
            }
        }
        if r.at != e.at.unix_ms() {
            let what = Noun("time", "时间");
            self.differs(t, HANDOVER, id, seq, what, e.at.to_string(), time(r.at));
        }
        let what = Noun("place", "地点");
        match &r.place {
            Ok(p) if *p == h.place => {}
            Ok(p) => self.differs(t, HANDOVER, id, seq, what, place(&h.place), place(p)),
            Err(Unreadable) => self.differs(
                t,
                HANDOVER,
                id,
                seq,
                what,
                place(&h.place),
                W::two("an unreadable position", "无法识别的位置"),
            ),
        }
        let count = h.head_count.to_string();
        if r.counted != i64::from(h.head_count) {
            let what = Noun("head count", "清点人数");
            self.differs(t, HANDOVER, id, seq, what, count, r.counted.to_string());
        } else if r.expected != r.counted {
            // A confirmed hand-over expected exactly as many as were counted.
            let what = Noun("expected head count", "应交接人数");
            self.differs(t, HANDOVER, id, seq, what, count, r.expected.to_string());
        }
    }

    /// Each traveler a hand-over entry names has one loop, as their last hand-over left it;
    /// nobody else has one.
    pub(super) fn loops(&mut self, rows: &[LoopRow], handover_of: &HashMap<u64, i64>) {
        let entries = self.entries;
        let mut last: HashMap<TravelerRef, u64> = HashMap::new();
        for e in entries {
            if let Body::HandOver(h) = &e.body {
                for r in &h.travelers {
                    last.insert(*r, e.seq);
                }
            }
        }
        let mut rows: Vec<&LoopRow> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.traveler);
        for r in rows {
            let reference = self.reference(r.traveler);
            match last.remove(&reference) {
                Some(seq) => self.one_loop(r, seq, handover_of.get(&seq).copied()),
                None => {
                    let traveler = r.traveler;
                    let status = match r.delivered {
                        Ok(true) => W::two("delivered", "已交付"),
                        Ok(false) => W::two("in custody", "在途"),
                        Err(Unreadable) => W::two("an unreadable status", "无法识别的状态"),
                    };
                    self.report(
                        Table::TravelerLoops,
                        traveler,
                        Change::Added,
                        None,
                        format!(
                            "traveler {traveler}'s loop says {}, but no hand-over entry names them",
                            status.en
                        ),
                        format!(
                            "旅客 {traveler} 的闭环状态为{}，但没有任何交接记录涉及该旅客",
                            status.zh
                        ),
                    );
                }
            }
        }
        let mut gone: Vec<(u64, TravelerRef)> = last.into_iter().map(|(r, s)| (s, r)).collect();
        gone.sort_unstable();
        for (seq, r) in gone {
            let Body::HandOver(h) = &self.at(seq).body else {
                unreachable!("indexed from HandOver entries")
            };
            let to = h.to.describe();
            match self.ids.get(&r).copied() {
                Some(traveler) => self.report(
                    Table::TravelerLoops,
                    traveler,
                    Change::Removed,
                    Some(seq),
                    format!(
                        "traveler {traveler} has no loop, but hand-over entry seq {seq} gave them to {to}"
                    ),
                    format!("旅客 {traveler} 没有闭环记录，但交接记录（序号 {seq}）已将其交给 {to}"),
                ),
                None => {
                    let who = self.traveler_name(&r);
                    self.report(
                        Table::Travelers,
                        "?",
                        Change::Removed,
                        Some(seq),
                        format!(
                            "hand-over entry seq {seq} names {}, who is not in travelers",
                            who.en
                        ),
                        format!("交接记录（序号 {seq}）涉及{}，该旅客不在表 travelers 中", who.zh),
                    );
                }
            }
        }
    }

    /// One loop against the traveler's last hand-over entry `seq` (stored as `handover`).
    fn one_loop(&mut self, r: &LoopRow, seq: u64, handover: Option<i64>) {
        let e = self.at(seq);
        let Body::HandOver(h) = &e.body else {
            unreachable!("indexed from HandOver entries")
        };
        let (t, traveler, at) = (Table::TravelerLoops, r.traveler, e.at);
        let to = h.to.describe();
        let role = h.to.role.party_role();
        let delivers = role.is_some_and(PartyRole::closes_loop);
        let relief =
            h.from.role.party_role() == Some(PartyRole::Crew) && role == Some(PartyRole::Crew);
        // The batch the loop follows; unknown for a relief recorded before `to_batch`.
        let trip = match &h.to_batch {
            Some(b) => key(b),
            None if relief => None,
            None => key(&h.batch),
        };
        match r.delivered {
            Ok(true) if !delivers => self.changed(
                t,
                traveler,
                seq,
                format!(
                    "traveler {traveler}'s loop says delivered, but no hand-over entry delivers them: their last (seq {seq}) gives them to {to}"
                ),
                format!(
                    "旅客 {traveler} 的闭环状态为已交付，但没有交接记录交付该旅客：其最后一次交接（序号 {seq}）交给 {to}"
                ),
            ),
            Ok(false) if delivers => self.changed(
                t,
                traveler,
                seq,
                format!(
                    "traveler {traveler}'s loop says in custody, but hand-over entry seq {seq} delivered them to {to}"
                ),
                format!(
                    "旅客 {traveler} 的闭环状态为在途，但交接记录（序号 {seq}）已将其交付 {to}"
                ),
            ),
            Err(Unreadable) => self.changed(
                t,
                traveler,
                seq,
                format!(
                    "traveler {traveler}'s loop status is unreadable; their last hand-over entry (seq {seq}) gives them to {to}"
                ),
                format!(
                    "旅客 {traveler} 的闭环状态无法识别；其最后一次交接（序号 {seq}）交给 {to}"
                ),
            ),
            _ => {}
        }
        // The holder: the destination that closed the loop, else the crew by its batch.
        let holder = if delivers { key(&h.to.id) } else { trip };
        if r.party.ok() != role || holder.is_some_and(|id| id != r.party_id) {
            let stored = match r.party {
                Ok(p) => W::from(format!("{} {}", p.code(), r.party_id)),
                Err(Unreadable) => W::two(
                    format!("an unreadable party {}", r.party_id),
                    format!("无法识别的一方 {}", r.party_id),
                ),
            };
            let expected = match (role, holder) {
                (Some(PartyRole::Crew), Some(b)) => {
                    W::two(format!("crew of batch {b}"), format!("批次 {b} 转运专班"))
                }
                _ => W::from(to.clone()),
            };
            self.changed(
                t,
                traveler,
                seq,
                format!(
                    "traveler {traveler}'s loop names {}, but their last hand-over entry (seq {seq}) gives them to {}",
                    stored.en, expected.en
                ),
                format!(
                    "旅客 {traveler} 的闭环记录为 {}，而其最后一次交接（序号 {seq}）交给 {}",
                    stored.zh, expected.zh
                ),
            );
        }
        if r.since != at.unix_ms() {
            let s = time(r.since);
            self.changed(
                t,
                traveler,
                seq,
                format!(
                    "traveler {traveler}'s loop dates from {s}, but their last hand-over entry (seq {seq}) from {at}"
                ),
                format!("旅客 {traveler} 的闭环时间为 {s}，而其最后一次交接（序号 {seq}）为 {at}"),
            );
        }
        if handover.is_some() && r.handover != handover {
            let (s, e) = (opt(r.handover), opt(handover));
            self.changed(
                t,
                traveler,
                seq,
                format!(
                    "traveler {traveler}'s loop names hand-over {s}, but their last hand-over entry (seq {seq}) is hand-over {e}'s"
                ),
                format!(
                    "旅客 {traveler} 的闭环记录为交接 {}，而其最后一次交接记录（序号 {seq}）属于交接 {}",
                    s.zh, e.zh
                ),
            );
        }
        if trip.is_some() && r.trip != trip {
            let (s, e) = (opt(r.trip), opt(trip));
            self.changed(
                t,
                traveler,
                seq,
                format!(
                    "traveler {traveler}'s loop follows trip {s}, but their last hand-over entry (seq {seq}) puts them on batch {e}"
                ),
                format!(
                    "旅客 {traveler} 的闭环记录为车次 {}，而其最后一次交接（序号 {seq}）为批次 {}",
                    s.zh, e.zh
                ),
            );
        }
    }
}
