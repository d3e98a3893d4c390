//! `ledger verify`'s second half: the custody tables checked against the entries.
//!
//! The audit ([`crate::audit`]) proves the entries are the ones appended. But `record`, `loops`,
//! `trace` and the daily report read the store's own tables — hand-overs and their travelers,
//! loops, incidents and their resolutions, gate decisions, check-list completions, trips'
//! states — which someone with database access could edit while the log stays whole. So every
//! row of them is compared here with the facts its entries imply, and so are the ledger
//! table's redundant columns (`ledger_entries.kind`, `.at`). The first row added, changed or
//! removed without its entry is named ([`CustodyProblem`]): "traveler 8's loop says delivered,
//! but no hand-over entry delivers them".
//!
//! What the entries imply, per table:
//! - `handovers`: one row per HandOver entry (by `ledger_seq`), with its batch, giver,
//!   receiver, time, place and head-count (a confirmed hand-over expected as many as were
//!   counted); `handover_travelers`: exactly the travelers the entry names;
//! - `traveler_loops`: one row per traveler some HandOver entry names, reflecting the last of
//!   them — delivered if its receiver closes the loop, else held by the receiving crew's batch
//!   (the entry's `to_batch` after a relief, else its batch) — since that entry's time, under
//!   that entry's hand-over; no row for anyone else;
//! - `incidents`: one row per Incident entry, with its kind, severity, subject, place and time;
//!   resolved (at that time) exactly when an IncidentResolved entry names its entry;
//!   `incident_travelers`: exactly the travelers the entry names;
//! - `gate_decisions`: one row per GateDecision entry, with its trip, gate, verdict, missing
//!   items and time; `checklist_instances`: one row per ChecklistCompleted entry, with its kind,
//!   template, subject (both the stored subject and the columns the gates read), who completed
//!   it, the failed items, the verdict and the time;
//! - `trips`: the state and times of the last TripState entry of the trip, or `planned` when
//!   none names it; no TripState entry for a trip that is not there;
//! - `travelers`: every traveler an entry names exists (by reference), and a traveler is marked
//!   purged exactly when a Purge entry names them.
//!
//! Entries that imply no row (a Purge, and kinds this module does not know yet) are accepted
//! as they are. Travelers appear in entries only as keyed references, so store ids are mapped
//! with the pepper ([`TravelerRef::from_key`]).
//!
//! Pure: the store loads its rows into [`CustodyRows`] (see [`rows`] for the words) and calls
//! [`cross_check`] with the entries the audit has just read; nothing here decides what a row
//! should be other than from the entries. It sorts and hashes, never searches per row: a year
//! of records checks in well under a second on top of loading them.

mod custody;
mod log;
mod problem;
mod records;
pub mod rows;
#[cfg(test)]
mod tests;

pub use problem::{Change, CustodyProblem, Table};
pub use rows::{
    ChecklistRow, CustodyRows, EntryColumns, GateRow, HandoverRow, IncidentRow, LoopRow, Millis,
    Read, TravelerRow, TripRow, Unreadable,
};

use crate::entry::{Entry, Id, Place, Subject, TravelerRef, UtcMillis};
use crate::keys::Pepper;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::{self, Display};

/// At most this many disagreements are collected; the first is the one to report.
pub const MAX_PROBLEMS: usize = 1_000;

/// What a clean cross-check compared: rows per table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrossChecked {
    pub rows: Vec<(Table, usize)>,
    /// Trips past `planned` with no state entry whose times all lie before the log's last
    /// version-1 entry: their state changed before the ledger recorded trips' states (format
    /// 2), so it is accepted as stored and cannot be proven. Always 0 for a log begun in
    /// format 2.
    pub trips_before_v2: usize,
}

impl CrossChecked {
    /// Every row compared.
    pub fn total(&self) -> usize {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Every row that disagrees (the first [`MAX_PROBLEMS`], in table order and within a table by
/// key), and how many more there were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreements {
    pub problems: Vec<CustodyProblem>,
    pub more: usize,
}

impl Disagreements {
    /// The one to report.
    pub fn first(&self) -> &CustodyProblem {
        &self.problems[0]
    }

    /// Every disagreement found, the uncollected ones included.
    pub fn count(&self) -> usize {
        self.problems.len() + self.more
    }
}

/// Compares `rows` with `entries`, which must be the whole log in `seq` order from 0 (as an
/// audit that passed leaves it). See the module docs.
pub fn cross_check(
    entries: &[Entry],
    rows: &CustodyRows,
    pepper: &Pepper,
) -> Result<CrossChecked, Disagreements> {
    let mut cx = Cx::new(entries, pepper, &rows.travelers);
    cx.entry_columns(&rows.entry_columns);
    cx.trips(&rows.trips);
    let handover_of = cx.handovers(&rows.handovers, &rows.handover_travelers);
    cx.loops(&rows.loops, &handover_of);
    cx.incidents(&rows.incidents, &rows.incident_travelers);
    cx.gate_decisions(&rows.gate_decisions);
    cx.checklists(&rows.checklists);
    cx.travelers(&rows.travelers);
    if cx.problems.is_empty() {
        let n = |t, k: usize| (t, k);
        Ok(CrossChecked {
            rows: vec![
                n(Table::LedgerEntries, rows.entry_columns.len()),
                n(Table::Trips, rows.trips.len()),
                n(Table::Handovers, rows.handovers.len()),
                n(Table::HandoverTravelers, rows.handover_travelers.len()),
                n(Table::TravelerLoops, rows.loops.len()),
                n(Table::Incidents, rows.incidents.len()),
                n(Table::IncidentTravelers, rows.incident_travelers.len()),
                n(Table::GateDecisions, rows.gate_decisions.len()),
                n(Table::ChecklistInstances, rows.checklists.len()),
                n(Table::Travelers, rows.travelers.len()),
            ],
            trips_before_v2: cx.trips_before_v2,
        })
    } else {
        Err(Disagreements {
            problems: cx.problems,
            more: cx.more,
        })
    }
}

/// A kind of row, in both languages.
#[derive(Clone, Copy)]
struct Noun(&'static str, &'static str);

/// A value as a message shows it, in both languages (most values are ids and codes, the same
/// in both).
#[derive(Clone, Debug, PartialEq, Eq)]
struct W {
    en: String,
    zh: String,
}

impl W {
    fn two(en: impl Into<String>, zh: impl Into<String>) -> W {
        W {
            en: en.into(),
            zh: zh.into(),
        }
    }

    fn none() -> W {
        W::two("none", "无")
    }
}

impl From<String> for W {
    fn from(s: String) -> W {
        W {
            zh: s.clone(),
            en: s,
        }
    }
}

impl From<&str> for W {
    fn from(s: &str) -> W {
        W::from(s.to_string())
    }
}

impl fmt::Display for W {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// The state of one cross-check: the entries, the travelers' references both ways, and what
/// was found.
struct Cx<'a> {
    entries: &'a [Entry],
    pepper: &'a Pepper,
    refs: HashMap<i64, TravelerRef>,
    ids: HashMap<TravelerRef, i64>,
    problems: Vec<CustodyProblem>,
    more: usize,
    /// Trips whose state changed before the log recorded trips' states (see [`CrossChecked`]).
    trips_before_v2: usize,
}

impl<'a> Cx<'a> {
    fn new(entries: &'a [Entry], pepper: &'a Pepper, travelers: &[TravelerRow]) -> Self {
        let refs: HashMap<i64, TravelerRef> = travelers
            .iter()
            .map(|t| (t.id, TravelerRef::from_key(pepper, t.id)))
            .collect();
        let ids = refs.iter().map(|(&id, &r)| (r, id)).collect();
        Cx {
            entries,
            pepper,
            refs,
            ids,
            problems: Vec::new(),
            more: 0,
            trips_before_v2: 0,
        }
    }

    fn entry(&self, seq: i64) -> Option<&'a Entry> {
        usize::try_from(seq).ok().and_then(|i| self.entries.get(i))
    }

    /// The entry `seq`, which the caller found by scanning the entries.
    fn at(&self, seq: u64) -> &'a Entry {
        &self.entries[seq as usize]
    }

    fn reference(&mut self, traveler: i64) -> TravelerRef {
        let pepper = self.pepper;
        *self
            .refs
            .entry(traveler)
            .or_insert_with(|| TravelerRef::from_key(pepper, traveler))
    }

    /// A traveler as a message names them: their id, or a reference no traveler has.
    fn traveler_name(&self, r: &TravelerRef) -> W {
        match self.ids.get(r) {
            Some(id) => W::two(format!("traveler {id}"), format!("旅客 {id}")),
            None => {
                let short = &r.to_hex()[..12];
                W::two(
                    format!("an unknown traveler (reference {short}…)"),
                    format!("未知旅客（引用 {short}…）"),
                )
            }
        }
    }

    fn report(
        &mut self,
        table: Table,
        row: impl Display,
        change: Change,
        entry: Option<u64>,
        en: String,
        zh: String,
    ) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems
                .push(CustodyProblem::new(table, row, change, entry, en, zh));
        } else {
            self.more += 1;
        }
    }

    fn changed(&mut self, table: Table, row: impl Display, seq: u64, en: String, zh: String) {
        self.report(table, row, Change::Changed, Some(seq), en, zh);
    }

    /// Row `id` of `table` (a `noun`) stores `stored` where its entry `seq` says `entry`, about
    /// `what`.
    #[allow(clippy::too_many_arguments)]
    fn differs(
        &mut self,
        table: Table,
        noun: Noun,
        id: i64,
        seq: u64,
        what: Noun,
        entry: impl Into<W>,
        stored: impl Into<W>,
    ) {
        let (Noun(n_en, n_zh), Noun(w_en, w_zh)) = (noun, what);
        let (entry, stored) = (entry.into(), stored.into());
        self.changed(
            table,
            id,
            seq,
            format!(
                "{n_en} {id}'s entry (seq {seq}) says {w_en} {}, the table {}",
                entry.en, stored.en
            ),
            format!(
                "{n_zh} {id} 的账本记录（序号 {seq}）中{w_zh}为 {}，表中为 {}",
                entry.zh, stored.zh
            ),
        );
    }

    /// The entry `ledger_seq` of row `id`, if it exists, is a `kind` entry and no earlier row
    /// of the table took it; else the row is reported as added.
    fn entry_of(
        &mut self,
        table: Table,
        noun: Noun,
        id: i64,
        ledger_seq: i64,
        kind: &str,
        taken: &mut HashMap<u64, i64>,
    ) -> Option<(u64, &'a Entry)> {
        let Noun(en, zh) = noun;
        let Some(e) = self.entry(ledger_seq) else {
            self.report(
                table,
                id,
                Change::Added,
                None,
                format!(
                    "{en} {id} is not in the ledger: its entry (seq {ledger_seq}) does not exist"
                ),
                format!("{zh} {id} 不在账本中：其账本记录（序号 {ledger_seq}）不存在"),
            );
            return None;
        };
        let seq = e.seq;
        let other = e.body.kind();
        if other != kind {
            self.report(
                table,
                id,
                Change::Added,
                Some(seq),
                format!(
                    "{en} {id} is not in the ledger: its entry (seq {seq}) is {} {other} entry, not {} {kind} entry",
                    article(other),
                    article(kind)
                ),
                format!(
                    "{zh} {id} 不在账本中：其账本记录（序号 {seq}）是 {other} 记录，而非 {kind} 记录"
                ),
            );
            return None;
        }
        if let Some(&other) = taken.get(&seq) {
            self.report(
                table,
                id,
                Change::Added,
                Some(seq),
                format!("{en} {id} is not in the ledger: its entry (seq {seq}) is {en} {other}'s"),
                format!("{zh} {id} 不在账本中：其账本记录（序号 {seq}）属于{zh} {other}"),
            );
            return None;
        }
        taken.insert(seq, id);
        Some((seq, e))
    }

    /// Every `kind` entry no row took, reported as a removed row of `table`.
    fn unclaimed(
        &mut self,
        table: Table,
        kind: &str,
        taken: &HashMap<u64, i64>,
        describe: impl Fn(&Entry) -> W,
    ) {
        let entries = self.entries;
        for e in entries.iter().filter(|e| e.body.kind() == kind) {
            if !taken.contains_key(&e.seq) {
                let what = describe(e);
                let seq = e.seq;
                self.report(
                    table,
                    format!("(entry {seq})"),
                    Change::Removed,
                    Some(seq),
                    format!("{} of entry seq {seq} is not in {table}", what.en),
                    format!("账本记录（序号 {seq}）的{}不在表 {table} 中", what.zh),
                );
            }
        }
    }

    /// Compares the travelers a table lists for row `id` (a `noun`) with those its entry
    /// `seq` names.
    fn named_travelers(
        &mut self,
        table: Table,
        noun: Noun,
        id: i64,
        seq: u64,
        named: &[TravelerRef],
        listed: &[i64],
    ) {
        let mut refs: Vec<(TravelerRef, i64)> =
            listed.iter().map(|&t| (self.reference(t), t)).collect();
        refs.sort_unstable();
        if refs.len() == named.len() && refs.iter().zip(named).all(|((a, _), b)| a == b) {
            return;
        }
        let Noun(en, zh) = noun;
        let (n, m) = (named.len(), refs.len());
        let names = travelers_en(n);
        if let Some(&(_, t)) = refs.iter().find(|(r, _)| named.binary_search(r).is_err()) {
            self.report(
                table,
                format!("{id}/{t}"),
                Change::Added,
                Some(seq),
                format!(
                    "{en} {id}'s entry (seq {seq}) names {names}, the table {m}: the entry does not name traveler {t}"
                ),
                format!(
                    "{zh} {id} 的账本记录（序号 {seq}）列出 {n} 名旅客，表中为 {m} 名：账本记录中没有旅客 {t}"
                ),
            );
            return;
        }
        let lacking = named
            .iter()
            .find(|r| refs.binary_search_by(|(x, _)| x.cmp(r)).is_err())
            .expect("the lists differ and the table has no extra traveler");
        let row = match self.ids.get(lacking) {
            Some(t) => format!("{id}/{t}"),
            None => format!("{id}/?"),
        };
        let who = self.traveler_name(lacking);
        self.report(
            table,
            row,
            Change::Removed,
            Some(seq),
            format!(
                "{en} {id}'s entry (seq {seq}) names {names}, the table {m}: {} is missing from the table",
                who.en
            ),
            format!(
                "{zh} {id} 的账本记录（序号 {seq}）列出 {n} 名旅客，表中为 {m} 名：表中缺少{}",
                who.zh
            ),
        );
    }

    /// Pairs of a table of travelers whose row (a `noun`) does not exist.
    fn orphans(&mut self, table: Table, noun: Noun, pairs: &[(i64, i64)]) {
        let Noun(en, zh) = noun;
        for &(id, t) in pairs {
            self.report(
                table,
                format!("{id}/{t}"),
                Change::Added,
                None,
                format!("{table} lists traveler {t} on {en} {id}, which does not exist"),
                format!("表 {table} 将旅客 {t} 列于{zh} {id}，而该{zh}不存在"),
            );
        }
    }
}

/// `pairs` (sorted) split by their first half along `ids` (sorted): for each id, the second
/// halves listed for it; pairs of no id are reported as orphans of `table`.
fn grouped<'p>(
    cx: &mut Cx<'_>,
    table: Table,
    noun: Noun,
    pairs: &'p [(i64, i64)],
    next: &mut usize,
    id: i64,
) -> &'p [(i64, i64)] {
    let start = *next;
    while *next < pairs.len() && pairs[*next].0 < id {
        *next += 1;
    }
    cx.orphans(table, noun, &pairs[start..*next]);
    let from = *next;
    while *next < pairs.len() && pairs[*next].0 == id {
        *next += 1;
    }
    &pairs[from..*next]
}

fn travelers_en(n: usize) -> String {
    if n == 1 {
        "1 traveler".into()
    } else {
        format!("{n} travelers")
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A store key written as an entry's id.
fn key(id: &Id) -> Option<i64> {
    id.as_str().parse().ok()
}

fn time(ms: Millis) -> String {
    UtcMillis::from_unix_ms(ms).map_or_else(|_| format!("{ms} ms since 1970"), |t| t.to_string())
}

fn opt(v: Option<i64>) -> W {
    v.map_or_else(W::none, |v| v.to_string().into())
}

/// A value's wire name (`head_count_mismatch`).
fn word<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

fn read<T>(v: &Read<T>, show: impl Fn(&T) -> W) -> W {
    match v {
        Ok(v) => show(v),
        Err(Unreadable) => W::two("an unreadable value", "无法识别的值"),
    }
}

fn subject(s: &Subject) -> W {
    format!("{} {}", word(&s.kind), s.id).into()
}

fn ids(v: &[Id]) -> W {
    if v.is_empty() {
        W::none()
    } else {
        v.iter()
            .map(Id::as_str)
            .collect::<Vec<_>>()
            .join(", ")
            .into()
    }
}

fn place(p: &Place) -> W {
    let mut s = word(&p.kind);
    if let Some(id) = &p.id {
        s.push_str(&format!(" {id}"));
    }
    if let Some(c) = &p.coords {
        s.push_str(&format!(
            " ({:.6}, {:.6})",
            f64::from(c.lat_e6) / 1e6,
            f64::from(c.lon_e6) / 1e6
        ));
    }
    s.into()
}

fn verdict(passed: bool) -> W {
    if passed {
        W::two("passed", "通过")
    } else {
        W::two("failed", "未通过")
    }
}
