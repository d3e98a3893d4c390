//! What happens to a planned day: `event.json`, format `closedloop-event/1`, and how each event
//! changes the day file. Re-planning ([`crate::replan`]) repairs the plan after it.

use crate::error::DayError;
use crate::ids::{ArrivalCode, CrewCode, HotelCode, TravelerCode, VehicleCode};
use crate::plan::Plan;
use crate::problem::{Day, Point, Traveler};
use chrono::NaiveDateTime;
use closedloop_domain::traveler::{DestinationKind, HealthStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const EVENT_FORMAT: &str = "closedloop-event/1";

/// The code of [`What::VehicleBreakdown`], which [`crate::diff`] gives as the reason riders
/// moved to a replacement batch.
pub const BREAKDOWN: &str = "vehicle_breakdown";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Always `closedloop-event/1`.
    pub format: String,
    /// When the desk learns of it: batches departing before this time plus the freeze are kept
    /// as they are.
    pub at: NaiveDateTime,
    pub what: What,
}

/// The kinds of event a day meets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum What {
    /// An arrival delayed or brought forward: its new time.
    ArrivalMoved {
        arrival: ArrivalCode,
        to: NaiveDateTime,
    },
    /// More travelers on an arrival (a late manifest).
    TravelersAdded {
        arrival: ArrivalCode,
        travelers: Vec<Traveler>,
    },
    /// Travelers who will not be carried (no-shows, taken over by another office).
    TravelersRemoved { travelers: Vec<TravelerCode> },
    /// A traveler found symptomatic before departure: to the designated hospital.
    Symptomatic { traveler: TravelerCode },
    /// A vehicle broken down: not planned again today. Before a departure its batches are
    /// planned again; en route (departed, its last stop not reached) the stops before the
    /// event stand as driven and a replacement fetches the riders still on board from the
    /// vehicle's `position` (by default the point on its way the timetable puts it at).
    VehicleBreakdown {
        vehicle: VehicleCode,
        /// Where it stands, when the crew says (WGS 84); used only en route. Files written
        /// before it was added lack it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<Point>,
    },
    /// A crew member who cannot work the rest of the day.
    CrewUnavailable { crew: CrewCode },
    /// A hotel that takes no one new.
    HotelClosed { hotel: HotelCode },
}

impl What {
    /// Stable, for reports and the API.
    pub fn code(&self) -> &'static str {
        match self {
            What::ArrivalMoved { .. } => "arrival_moved",
            What::TravelersAdded { .. } => "travelers_added",
            What::TravelersRemoved { .. } => "travelers_removed",
            What::Symptomatic { .. } => "symptomatic",
            What::VehicleBreakdown { .. } => BREAKDOWN,
            What::CrewUnavailable { .. } => "crew_unavailable",
            What::HotelClosed { .. } => "hotel_closed",
        }
    }
}

fn unknown(field: &str, kind: &'static str, code: &str) -> DayError {
    DayError::Unknown {
        field: format!("event.what.{field}"),
        kind,
        code: code.chars().take(40).collect(),
    }
}

impl Event {
    pub fn from_json(text: &str) -> Result<Event, DayError> {
        let e: Event = serde_json::from_str(text).map_err(DayError::json)?;
        if e.format != EVENT_FORMAT {
            return Err(DayError::field(
                "event.format",
                format!(
                    "{:?} is not {EVENT_FORMAT:?}",
                    e.format.chars().take(40).collect::<String>()
                ),
            ));
        }
        Ok(e)
    }

    /// The day as it is after the event, `plan` being the plan in force; an event naming what
    /// the day does not hold is refused.
    pub fn apply(&self, day: &Day, plan: &Plan) -> Result<Day, DayError> {
        let mut d = day.clone();
        match &self.what {
            What::ArrivalMoved { arrival, to } => {
                let a = d
                    .arrivals
                    .iter_mut()
                    .find(|a| &a.code == arrival)
                    .ok_or_else(|| unknown("arrival", "arrival", arrival.as_str()))?;
                a.at = *to;
            }
            What::TravelersAdded { arrival, travelers } => {
                let a = d
                    .arrivals
                    .iter_mut()
                    .find(|a| &a.code == arrival)
                    .ok_or_else(|| unknown("arrival", "arrival", arrival.as_str()))?;
                a.travelers.extend(travelers.iter().cloned());
            }
            What::TravelersRemoved { travelers } => {
                for t in travelers {
                    let found = d.arrivals.iter_mut().any(|a| {
                        let before = a.travelers.len();
                        a.travelers.retain(|x| &x.code != t);
                        a.travelers.len() != before
                    });
                    if !found {
                        return Err(unknown("travelers", "traveler", t.as_str()));
                    }
                }
            }
            What::Symptomatic { traveler } => {
                let t = d
                    .arrivals
                    .iter_mut()
                    .flat_map(|a| a.travelers.iter_mut())
                    .find(|x| &x.code == traveler)
                    .ok_or_else(|| unknown("traveler", "traveler", traveler.as_str()))?;
                t.health = HealthStatus::Symptomatic;
                t.destination = DestinationKind::Hospital;
            }
            What::VehicleBreakdown { vehicle, position } => {
                if let Some(p) = position {
                    p.coordinates("event.what.position")?;
                }
                let v = d
                    .vehicles
                    .iter_mut()
                    .find(|v| &v.code == vehicle)
                    .ok_or_else(|| unknown("vehicle", "vehicle", vehicle.as_str()))?;
                // Its trips before the breakdown stand; it carries no one after. A batch on the
                // road keeps it until that batch is over (re-planning ends it at the roadside
                // and moves the end to the tow back to its base).
                let busy = plan
                    .batches
                    .iter()
                    .filter(|b| &b.vehicle == vehicle && b.depart < self.at)
                    .find(|b| b.ready_again > self.at);
                if let Some(b) = busy {
                    v.available_until = v.available_until.min(b.ready_again).max(self.at);
                } else if self.at > v.available_from {
                    v.available_until = v.available_until.min(self.at);
                } else {
                    v.blocked = Some(format!("broken down at {}", self.at.format("%H:%M")));
                }
            }
            What::CrewUnavailable { crew } => {
                let c = d
                    .crew
                    .iter_mut()
                    .find(|c| &c.code == crew)
                    .ok_or_else(|| unknown("crew", "crew member", crew.as_str()))?;
                // A crew member on the road finishes the batch they are on.
                let end = plan
                    .batches
                    .iter()
                    .filter(|b| b.crew.contains(crew) && b.depart < self.at)
                    .map(|b| b.ready_again)
                    .fold(self.at, NaiveDateTime::max);
                if end > c.shift_start {
                    c.shift_end = c.shift_end.min(end);
                } else {
                    c.blocked = Some(format!("unavailable from {}", self.at.format("%H:%M")));
                }
            }
            What::HotelClosed { hotel } => {
                let h = d
                    .hotels
                    .iter_mut()
                    .find(|h| &h.code == hotel)
                    .ok_or_else(|| unknown("hotel", "hotel", hotel.as_str()))?;
                h.open = false;
                h.closed_since = Some(self.at);
            }
        }
        d.validate()?;
        Ok(d)
    }
}
