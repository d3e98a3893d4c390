//! Gates: a batch may not pass a transition (above all, "departed") until the check-lists the
//! configuration requires are done. The rules live in `config/gates.toml`; the facts come from
//! the store; the answer names every missing item at once, so the desk fixes them in one round.

use crate::error::{ConfigError, ConfigProblem};
use crate::evaluate::{Instance, Outcome, Subject};
use crate::missing::{GateRefusal, Missing};
use crate::template::ChecklistKind;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use closedloop_domain::batch::{Batch, BatchState};
use closedloop_domain::fleet::Plate;
use closedloop_domain::ids::{BatchId, CrewId, VehicleId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

const FILE: &str = "gates.toml";
const BUILTIN: &str = include_str!("../../../config/gates.toml");

/// One requirement of a gate, as `[[gate.require]] check = "…"` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Requirement {
    /// The vehicle passed its daily inspection on one of the last `valid_days` local days.
    VehicleInspection { valid_days: u32 },
    /// The vehicle was disinfected after its previous trip ended (and, with `within_hours`,
    /// not longer ago than that).
    VehicleDisinfected { within_hours: Option<u32> },
    /// Every crew member passed pre-trip training on one of the last `valid_days` days.
    CrewTraining { valid_days: u32 },
    /// Every crew member's health check passed on one of the last `valid_days` days.
    CrewHealth { valid_days: u32 },
    /// The batch's pre-departure reminder is done.
    PreDepartureReminder,
    /// Every stop of the batch has its personnel hand-over recorded.
    StopHandovers,
}

impl Requirement {
    pub fn code(&self) -> &'static str {
        match self {
            Requirement::VehicleInspection { .. } => "vehicle_inspection",
            Requirement::VehicleDisinfected { .. } => "vehicle_disinfected",
            Requirement::CrewTraining { .. } => "crew_training",
            Requirement::CrewHealth { .. } => "crew_health",
            Requirement::PreDepartureReminder => "pre_departure_reminder",
            Requirement::StopHandovers => "stop_handovers",
        }
    }

    fn validate(&self) -> Result<(), ConfigProblem> {
        match self {
            Requirement::VehicleInspection { valid_days: 0 }
            | Requirement::CrewTraining { valid_days: 0 }
            | Requirement::CrewHealth { valid_days: 0 } => {
                Err(ConfigProblem::ZeroValidity("valid_days"))
            }
            Requirement::VehicleDisinfected {
                within_hours: Some(0),
            } => Err(ConfigProblem::ZeroValidity("within_hours")),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// The state the batch would enter.
    pub transition: BatchState,
    #[serde(rename = "require", default)]
    pub requires: Vec<Requirement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGates {
    version: String,
    utc_offset: String,
    #[serde(default)]
    gate: Vec<Gate>,
}

/// All gates, and the offset whose calendar "today" is counted in. Read from TOML only.
#[derive(Debug, Clone, PartialEq)]
pub struct GateBook {
    pub version: String,
    pub utc_offset: FixedOffset,
    pub gates: Vec<Gate>,
}

impl GateBook {
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let raw: RawGates = toml::from_str(text)
            .map_err(|e| ConfigError::new(FILE, "", ConfigProblem::Syntax(e.to_string())))?;
        let utc_offset: FixedOffset = raw.utc_offset.trim().parse().map_err(|_| {
            ConfigError::new(FILE, "", ConfigProblem::BadOffset(raw.utc_offset.clone()))
        })?;
        let mut seen = BTreeSet::new();
        for gate in &raw.gate {
            let place = format!("gate {}", gate.transition.code());
            if !seen.insert(gate.transition.code()) {
                return Err(ConfigError::new(FILE, place, ConfigProblem::DuplicateGate));
            }
            let mut checks = BTreeSet::new();
            for r in &gate.requires {
                if !checks.insert(r.code()) {
                    return Err(ConfigError::new(
                        FILE,
                        place,
                        ConfigProblem::DuplicateRequirement(r.code()),
                    ));
                }
                r.validate()
                    .map_err(|p| ConfigError::new(FILE, place.clone(), p))?;
            }
        }
        Ok(GateBook {
            version: raw.version,
            utc_offset,
            gates: raw.gate,
        })
    }

    /// The copy of `config/gates.toml` built into the binary.
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN).expect("the built-in config/gates.toml is valid (tested)")
    }

    /// The requirements guarding a transition; none when no gate is configured for it.
    pub fn requirements(&self, transition: BatchState) -> &[Requirement] {
        self.gates
            .iter()
            .find(|g| g.transition == transition)
            .map_or(&[], |g| g.requires.as_slice())
    }

    /// The local calendar day of an instant.
    pub fn local_day(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.utc_offset).date_naive()
    }
}

/// What the store knows that gates ask about. Only passed check-lists belong here (a health
/// check with a fever is recorded, but is not a fact that lets anyone depart). Days are local
/// days in the gate book's offset; for day lists the latest is enough, more do no harm.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateFacts {
    /// For messages: a desk knows a vehicle by its plate and a person by name.
    pub plates: BTreeMap<VehicleId, Plate>,
    pub crew_names: BTreeMap<CrewId, String>,
    /// Days each vehicle passed its daily inspection.
    pub inspections: BTreeMap<VehicleId, Vec<NaiveDate>>,
    /// When each vehicle was last disinfected (passed sanitation check-list).
    pub last_disinfection: BTreeMap<VehicleId, DateTime<Utc>>,
    /// When each vehicle's last completed trip ended.
    pub last_trip_end: BTreeMap<VehicleId, DateTime<Utc>>,
    /// Days each crew member passed pre-trip training.
    pub trainings: BTreeMap<CrewId, Vec<NaiveDate>>,
    /// Days each crew member's health check passed.
    pub health_checks: BTreeMap<CrewId, Vec<NaiveDate>>,
    /// Batches whose pre-departure reminder is done.
    pub reminders: BTreeSet<BatchId>,
    /// Stops (0-based) of each batch whose personnel hand-over is recorded.
    pub stop_handovers: BTreeMap<BatchId, BTreeSet<u32>>,
}

impl GateFacts {
    /// Adds what a completed check-list proves, if it passed; a failed one proves nothing.
    /// Lets a store build the facts from instances instead of from its own queries.
    pub fn absorb(&mut self, instance: &Instance, outcome: &Outcome, book: &GateBook) {
        if !outcome.passed {
            return;
        }
        let day = book.local_day(instance.completed_at);
        match (&instance.subject, instance.kind) {
            (Subject::CrewMember { crew }, ChecklistKind::PreTripTraining) => {
                self.trainings.entry(*crew).or_default().push(day)
            }
            (Subject::CrewMember { crew }, ChecklistKind::CrewHealth) => {
                self.health_checks.entry(*crew).or_default().push(day)
            }
            (Subject::VehicleDay { vehicle, day }, _) => {
                self.inspections.entry(*vehicle).or_default().push(*day)
            }
            (Subject::VehicleAfterTrip { vehicle, .. }, _) => {
                let last = self
                    .last_disinfection
                    .entry(*vehicle)
                    .or_insert(instance.completed_at);
                *last = (*last).max(instance.completed_at);
            }
            (Subject::Batch { batch }, _) => {
                self.reminders.insert(*batch);
            }
            (Subject::Stop { batch, stop }, _) => {
                self.stop_handovers.entry(*batch).or_default().insert(*stop);
            }
            (Subject::CrewMember { .. }, _) | (Subject::ShiftChange { .. }, _) => {}
        }
    }

    fn plate(&self, v: VehicleId) -> Option<String> {
        self.plates.get(&v).map(|p| p.as_str().to_string())
    }

    fn name(&self, c: CrewId) -> Option<String> {
        self.crew_names.get(&c).cloned()
    }
}

/// A completion on `day` counts on `today` if it is one of the last `valid_days` days; a
/// completion dated after today (a phone's wrong clock) does not count.
fn within(day: NaiveDate, today: NaiveDate, valid_days: u32) -> bool {
    day <= today && (today - day).num_days() < i64::from(valid_days)
}

/// The latest day not after today, for messages ("last passed …").
fn latest(days: Option<&Vec<NaiveDate>>, today: NaiveDate) -> Option<NaiveDate> {
    days?.iter().copied().filter(|d| *d <= today).max()
}

fn day_check(
    days: Option<&Vec<NaiveDate>>,
    today: NaiveDate,
    valid_days: u32,
) -> Result<(), Option<NaiveDate>> {
    if days.is_some_and(|ds| ds.iter().any(|d| within(*d, today, valid_days))) {
        Ok(())
    } else {
        Err(latest(days, today))
    }
}

/// Checks the gate of `transition` for a batch: `Ok` when every requirement holds (or none is
/// configured), otherwise every missing item.
pub fn check_gate(
    config: &GateBook,
    transition: BatchState,
    batch: &Batch,
    facts: &GateFacts,
    now: DateTime<Utc>,
) -> Result<(), GateRefusal> {
    let today = config.local_day(now);
    let local = |t: DateTime<Utc>| t.with_timezone(&config.utc_offset);
    let mut crew: Vec<CrewId> = Vec::new();
    for c in &batch.crew {
        if !crew.contains(c) {
            crew.push(*c);
        }
    }
    let vehicle = batch.vehicle;
    let mut missing = Vec::new();
    for requirement in config.requirements(transition) {
        match *requirement {
            Requirement::VehicleInspection { valid_days } => {
                if let Err(last) = day_check(facts.inspections.get(&vehicle), today, valid_days) {
                    missing.push(Missing::VehicleInspection {
                        vehicle,
                        plate: facts.plate(vehicle),
                        last,
                        valid_days,
                    });
                }
            }
            Requirement::VehicleDisinfected { within_hours } => {
                let last = facts.last_disinfection.get(&vehicle).copied();
                let trip_end = facts.last_trip_end.get(&vehicle).copied();
                let after_trip = match (last, trip_end) {
                    (_, None) => true,
                    (Some(d), Some(end)) => d >= end,
                    (None, Some(_)) => false,
                };
                let recent = match (within_hours, last) {
                    (None, _) => true,
                    (Some(h), Some(d)) => now - d <= TimeDelta::hours(i64::from(h)),
                    // Never disinfected and never used: nothing to be recent about.
                    (Some(_), None) => trip_end.is_none(),
                };
                if !(after_trip && recent) {
                    missing.push(Missing::VehicleDisinfection {
                        vehicle,
                        plate: facts.plate(vehicle),
                        trip_end: trip_end.map(local),
                        last: last.map(local),
                        within_hours: if after_trip { within_hours } else { None },
                    });
                }
            }
            Requirement::CrewTraining { valid_days } => {
                for c in &crew {
                    if let Err(last) = day_check(facts.trainings.get(c), today, valid_days) {
                        missing.push(Missing::CrewTraining {
                            crew: *c,
                            name: facts.name(*c),
                            last,
                            valid_days,
                        });
                    }
                }
            }
            Requirement::CrewHealth { valid_days } => {
                for c in &crew {
                    if let Err(last) = day_check(facts.health_checks.get(c), today, valid_days) {
                        missing.push(Missing::CrewHealth {
                            crew: *c,
                            name: facts.name(*c),
                            last,
                            valid_days,
                        });
                    }
                }
            }
            Requirement::PreDepartureReminder => {
                if !facts.reminders.contains(&batch.id) {
                    missing.push(Missing::PreDepartureReminder { batch: batch.id });
                }
            }
            Requirement::StopHandovers => {
                let done = facts.stop_handovers.get(&batch.id);
                for (i, stop) in batch.stops.iter().enumerate() {
                    let i = i as u32;
                    if !done.is_some_and(|d| d.contains(&i)) {
                        missing.push(Missing::StopHandover {
                            batch: batch.id,
                            stop: i,
                            destination: stop.destination,
                        });
                    }
                }
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(GateRefusal {
            batch: batch.id,
            transition,
            missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_window_counts_the_day_itself() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(within(d("2021-06-01"), d("2021-06-01"), 1));
        assert!(!within(d("2021-05-31"), d("2021-06-01"), 1));
        assert!(within(d("2021-05-03"), d("2021-06-01"), 30));
        assert!(!within(d("2021-05-02"), d("2021-06-01"), 30));
        assert!(!within(d("2021-06-02"), d("2021-06-01"), 30));
    }

    #[test]
    fn config_errors_name_the_gate() {
        let bad = "version = \"x\"\nutc_offset = \"+08:00\"\n[[gate]]\ntransition = \"departed\"\n[[gate.require]]\ncheck = \"crew_health\"\nvalid_days = 0\n";
        let e = GateBook::from_toml(bad).unwrap_err();
        assert_eq!(e.place, "gate departed");
        assert!(
            e.to_string().contains("valid_days must be at least 1"),
            "{e}"
        );
        let e = GateBook::from_toml(&bad.replace("+08:00", "Beijing")).unwrap_err();
        assert!(matches!(e.problem, ConfigProblem::BadOffset(_)), "{e}");
        let e = GateBook::from_toml(&bad.replace("crew_health", "crew_hats")).unwrap_err();
        assert!(matches!(e.problem, ConfigProblem::Syntax(_)), "{e}");
        let e = GateBook::from_toml(&bad.replace("valid_days = 0", "valid_days = 1\nfoo = 2"))
            .unwrap_err();
        assert!(matches!(e.problem, ConfigProblem::Syntax(_)), "{e}");
    }

    #[test]
    fn facts_round_trip_through_json() {
        let mut f = GateFacts::default();
        f.trainings
            .insert(CrewId(3), vec!["2021-06-01".parse().unwrap()]);
        f.plates
            .insert(VehicleId(9), Plate::parse("沪A12345").unwrap());
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<GateFacts>(&json).unwrap(), f);
    }
}
