//! The ledger table's own columns, trips' states and travelers' purge marks.

use super::{Change, Cx, EntryColumns, Table, TravelerRow, TripRow, article, time};
use crate::entry::{Body, TravelerRef, TripPhase};
use std::collections::{HashMap, HashSet};

impl Cx<'_> {
    /// `ledger_entries.kind` and `.at` say what the canonical entry says.
    pub(super) fn entry_columns(&mut self, rows: &[EntryColumns]) {
        let mut rows: Vec<&EntryColumns> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.seq);
        let t = Table::LedgerEntries;
        for r in rows {
            let Some(e) = self.entry(r.seq) else { continue };
            let seq = e.seq;
            let kind = e.body.kind();
            if r.kind != kind {
                let stored: String = r.kind.chars().take(40).collect();
                let a = article(kind);
                self.changed(
                    t,
                    seq,
                    seq,
                    format!("ledger_entries row {seq} says kind {stored:?}, but its entry is {a} {kind} entry"),
                    format!("ledger_entries 第 {seq} 行的类型为 {stored:?}，而其账本记录是 {kind} 记录"),
                );
            }
            if r.at != e.at.unix_ms() {
                let (stored, entry) = (time(r.at), e.at);
                self.changed(
                    t,
                    seq,
                    seq,
                    format!("ledger_entries row {seq} is dated {stored}, but its entry {entry}"),
                    format!("ledger_entries 第 {seq} 行的时间为 {stored}，而其账本记录为 {entry}"),
                );
            }
        }
    }

    /// A trip's state and times are its last TripState entry's; without one it is planned, or it
    /// changed before format 2 (counted, not proven).
    pub(super) fn trips(&mut self, rows: &[TripRow]) {
        // The last state entry of each batch, by the batch's id as the entries write it.
        let entries = self.entries;
        let mut last: HashMap<&str, u64> = HashMap::new();
        for e in entries {
            if let Body::TripState(t) = &e.body {
                last.insert(t.batch.as_str(), e.seq);
            }
        }
        // Logs begun before format 2 hold no state entries for the trips of that time; the log
        // never goes back from version 2, so its last version-1 entry marks the upgrade.
        let v1_until = entries
            .iter()
            .rev()
            .find(|e| e.version() == 1)
            .map(|e| e.at.unix_ms());
        let mut rows: Vec<&TripRow> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.id);
        let t = Table::Trips;
        for r in rows {
            let id = r.id;
            let found = last.remove(id.to_string().as_str());
            let Ok(state) = r.state else {
                self.report(
                    t,
                    id,
                    Change::Changed,
                    found,
                    format!("trip {id}'s stored state is not a state"),
                    format!("车次 {id} 存储的状态无法识别"),
                );
                continue;
            };
            let Some(seq) = found else {
                if state != TripPhase::Planned
                    && v1_until.is_some_and(|t| r.started.max(r.ended) <= t)
                {
                    self.trips_before_v2 += 1;
                } else if state != TripPhase::Planned {
                    let s = state.code();
                    self.report(
                        t,
                        id,
                        Change::Changed,
                        None,
                        format!("trip {id} says {s}, but no entry records a state change of it"),
                        format!("车次 {id} 的状态为 {s}，但没有任何账本记录其状态变更"),
                    );
                }
                continue;
            };
            let Body::TripState(ts) = &self.at(seq).body else {
                unreachable!("indexed from TripState entries")
            };
            if state != ts.to {
                let (s, e) = (state.code(), ts.to.code());
                self.changed(
                    t,
                    id,
                    seq,
                    format!("trip {id} says {s}, but its last state entry (seq {seq}) says {e}"),
                    format!("车次 {id} 的状态为 {s}，而其最后一条状态记录（序号 {seq}）为 {e}"),
                );
            }
            for ((en, zh), stored, entry) in [
                (("departure", "出发时间"), r.started, ts.started),
                (("arrival", "到达时间"), r.ended, ts.ended),
            ] {
                if stored != entry.unix_ms() {
                    let s = time(stored);
                    self.changed(
                        t,
                        id,
                        seq,
                        format!("trip {id}'s {en} is {s}, but its last state entry (seq {seq}) says {entry}"),
                        format!("车次 {id} 的{zh}为 {s}，而其最后一条状态记录（序号 {seq}）为 {entry}"),
                    );
                }
            }
        }
        let mut gone: Vec<(u64, &str)> = last.into_iter().map(|(b, s)| (s, b)).collect();
        gone.sort_unstable();
        for (seq, batch) in gone {
            self.report(
                t,
                batch,
                Change::Removed,
                Some(seq),
                format!("trip {batch} of state entry seq {seq} is not in trips"),
                format!("状态记录（序号 {seq}）中的车次 {batch} 不在表 trips 中"),
            );
        }
    }

    /// A traveler is marked purged exactly when a Purge entry names them, and every traveler an
    /// entry names exists (those of hand-overs are reported with the loops, earlier).
    pub(super) fn travelers(&mut self, rows: &[TravelerRow]) {
        let entries = self.entries;
        let mut purged: HashMap<TravelerRef, u64> = HashMap::new();
        for e in entries {
            if let Body::Purge(p) = &e.body {
                for r in &p.travelers {
                    purged.entry(*r).or_insert(e.seq);
                }
            }
        }
        let mut rows: Vec<&TravelerRow> = rows.iter().collect();
        rows.sort_unstable_by_key(|r| r.id);
        let mut known: HashSet<TravelerRef> = HashSet::with_capacity(rows.len());
        let t = Table::Travelers;
        for r in rows {
            let id = r.id;
            let reference = self.reference(id);
            known.insert(reference);
            match (r.purged, purged.get(&reference)) {
                (true, None) => self.report(
                    t,
                    id,
                    Change::Changed,
                    None,
                    format!("traveler {id} is marked purged, but no purge entry names them"),
                    format!("旅客 {id} 标记为已清除，但没有清除记录涉及该旅客"),
                ),
                (false, Some(&seq)) => self.changed(
                    t,
                    id,
                    seq,
                    format!(
                        "traveler {id} is not marked purged, but purge entry seq {seq} names them"
                    ),
                    format!("旅客 {id} 未标记为已清除，但清除记录（序号 {seq}）涉及该旅客"),
                ),
                _ => {}
            }
        }
        for e in entries {
            if matches!(e.body, Body::HandOver(_)) {
                continue;
            }
            if let Some(r) = e.body.travelers().iter().find(|r| !known.contains(r)) {
                let who = self.traveler_name(r);
                let seq = e.seq;
                self.report(
                    t,
                    "?",
                    Change::Removed,
                    Some(seq),
                    format!("entry seq {seq} names {}, who is not in travelers", who.en),
                    format!(
                        "账本记录（序号 {seq}）涉及{}，该旅客不在表 travelers 中",
                        who.zh
                    ),
                );
            }
        }
    }
}
