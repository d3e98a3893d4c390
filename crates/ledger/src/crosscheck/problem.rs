//! What the cross-check reports: a row of a custody table that was added, changed or removed
//! without its ledger entry, named by table and key, in English and Chinese, with a stable code.
//!
//! | code | meaning |
//! |---|---|
//! | `custody_row_added` | a row no entry accounts for (inserted, or its entry is another's) |
//! | `custody_row_changed` | a row that says something its entry does not |
//! | `custody_row_removed` | an entry whose row is gone |

use closedloop_domain::Lang;
use std::fmt;

/// A custody table, as the store names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    LedgerEntries,
    Trips,
    Handovers,
    HandoverTravelers,
    TravelerLoops,
    Incidents,
    IncidentTravelers,
    GateDecisions,
    ChecklistInstances,
    Travelers,
}

impl Table {
    pub const ALL: &'static [Table] = &[
        Table::LedgerEntries,
        Table::Trips,
        Table::Handovers,
        Table::HandoverTravelers,
        Table::TravelerLoops,
        Table::Incidents,
        Table::IncidentTravelers,
        Table::GateDecisions,
        Table::ChecklistInstances,
        Table::Travelers,
    ];

    /// The table's name in the database.
    pub fn name(self) -> &'static str {
        match self {
            Table::LedgerEntries => "ledger_entries",
            Table::Trips => "trips",
            Table::Handovers => "handovers",
            Table::HandoverTravelers => "handover_travelers",
            Table::TravelerLoops => "traveler_loops",
            Table::Incidents => "incidents",
            Table::IncidentTravelers => "incident_travelers",
            Table::GateDecisions => "gate_decisions",
            Table::ChecklistInstances => "checklist_instances",
            Table::Travelers => "travelers",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a row departs from the entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// No entry accounts for the row.
    Added,
    /// The row says something its entry does not.
    Changed,
    /// An entry's row is gone.
    Removed,
}

impl Change {
    /// The stable code (see the module's table).
    pub fn code(self) -> &'static str {
        match self {
            Change::Added => "custody_row_added",
            Change::Changed => "custody_row_changed",
            Change::Removed => "custody_row_removed",
        }
    }

    fn words(self, lang: Lang) -> &'static str {
        match self {
            Change::Added => lang.pick("added", "新增"),
            Change::Changed => lang.pick("changed", "修改"),
            Change::Removed => lang.pick("removed", "删除"),
        }
    }
}

/// One row that disagrees with the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyProblem {
    pub table: Table,
    /// The row's key as the table holds it: an id (`12`), or a pair (`12/8`: hand-over 12,
    /// traveler 8) for the tables of pairs.
    pub row: String,
    pub change: Change,
    /// The entry concerned, when there is one.
    pub entry: Option<u64>,
    en: String,
    zh: String,
}

impl CustodyProblem {
    pub(crate) fn new(
        table: Table,
        row: impl fmt::Display,
        change: Change,
        entry: Option<u64>,
        en: String,
        zh: String,
    ) -> Self {
        CustodyProblem {
            table,
            row: row.to_string(),
            change,
            entry,
            en,
            zh,
        }
    }

    /// The stable code (see the module's table).
    pub fn code(&self) -> &'static str {
        self.change.code()
    }

    /// What disagrees, then the table and row, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let what = lang.pick(&self.en, &self.zh);
        let change = self.change.words(lang);
        match lang {
            Lang::En => format!(
                "{what} (table {}, row {}: {change} behind the ledger's back)",
                self.table, self.row
            ),
            Lang::ZhCn => format!(
                "{what}（表 {}，行 {}：未经账本被{change}）",
                self.table, self.row
            ),
        }
    }
}

impl fmt::Display for CustodyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for CustodyProblem {}
