//! Custody and the loop. Every traveler is, at any moment, in exactly one of three states: not
//! yet in custody, in the custody of one named party, or delivered (the loop closed). Moves
//! between them are explicit transitions that return errors and change nothing when illegal;
//! [`Custody`] applies a hand-over to all its travelers or to none. Under "14+7" a traveler
//! delivered to a hotel has a second loop: when the hotel days end, that hotel's staff hand
//! them to a crew, who take them home. A delivery home or to a hospital is final.

use crate::handover::ConfirmedHandover;
use crate::ids::HandoverId;
use crate::text::both;
use chrono::{DateTime, TimeDelta, Utc};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, DestinationId, PortId, TravelerId};
use closedloop_domain::role::PartyRole;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Who holds or receives travelers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "party", rename_all = "snake_case")]
pub enum Party {
    /// Staff at a port's diversion point, who register travelers and put them on vehicles.
    PortStaff { port: PortId },
    /// The crew (driver and escorts) of a batch's vehicle.
    Crew { batch: BatchId },
    /// Quarantine hotel staff: receiving closes the loop.
    HotelStaff { destination: DestinationId },
    /// Community staff taking over at a home: receiving closes the loop.
    CommunityStaff { destination: DestinationId },
    /// A designated hospital's staff: receiving closes the loop. (`hospital` in older JSON.)
    #[serde(alias = "hospital")]
    HospitalStaff { destination: DestinationId },
}

impl Party {
    /// The party of `role` for `id`: the port, the crew's batch, or the destination, by role.
    pub fn new(role: PartyRole, id: i64) -> Party {
        match role {
            PartyRole::PortStaff => Party::PortStaff { port: PortId(id) },
            PartyRole::Crew => Party::Crew { batch: BatchId(id) },
            PartyRole::HotelStaff => Party::HotelStaff {
                destination: DestinationId(id),
            },
            PartyRole::CommunityStaff => Party::CommunityStaff {
                destination: DestinationId(id),
            },
            PartyRole::HospitalStaff => Party::HospitalStaff {
                destination: DestinationId(id),
            },
        }
    }

    /// Its role, in the one vocabulary of `closedloop_domain::role`.
    pub fn role(&self) -> PartyRole {
        match self {
            Party::PortStaff { .. } => PartyRole::PortStaff,
            Party::Crew { .. } => PartyRole::Crew,
            Party::HotelStaff { .. } => PartyRole::HotelStaff,
            Party::CommunityStaff { .. } => PartyRole::CommunityStaff,
            Party::HospitalStaff { .. } => PartyRole::HospitalStaff,
        }
    }

    /// The id its role names: the port, the batch or the destination.
    pub fn id(&self) -> i64 {
        match *self {
            Party::PortStaff { port } => port.0,
            Party::Crew { batch } => batch.0,
            Party::HotelStaff { destination }
            | Party::CommunityStaff { destination }
            | Party::HospitalStaff { destination } => destination.0,
        }
    }

    /// Receiving a traveler closes the loop: the traveler is inside quarantine or care.
    pub fn closes_loop(&self) -> bool {
        self.role().closes_loop()
    }

    /// The hand-overs the practice has: port staff → crew, crew → crew (a relief vehicle after
    /// a breakdown, a shift change on the road), crew → hotel, community or hospital, and hotel
    /// staff → crew for the second transfer of "14+7" (home when the hotel days end). Nobody
    /// hands travelers back to the port; a loop closed at a home or hospital never reopens.
    pub fn may_hand_to(&self, receiver: &Party) -> bool {
        match (self, receiver) {
            (Party::PortStaff { .. } | Party::HotelStaff { .. }, Party::Crew { .. }) => true,
            (Party::Crew { batch: a }, Party::Crew { batch: b }) => a != b,
            (Party::Crew { .. }, r) => r.closes_loop(),
            _ => false,
        }
    }

    pub fn label(&self, lang: Lang) -> String {
        match (self, lang) {
            (Party::PortStaff { port }, Lang::En) => format!("port staff (port #{port})"),
            (Party::PortStaff { port }, Lang::ZhCn) => format!("口岸工作人员（口岸 #{port}）"),
            (Party::Crew { batch }, Lang::En) => format!("crew of batch {batch}"),
            (Party::Crew { batch }, Lang::ZhCn) => format!("批次 {batch} 转运专班"),
            (Party::HotelStaff { destination }, Lang::En) => {
                format!("hotel staff (destination #{destination})")
            }
            (Party::HotelStaff { destination }, Lang::ZhCn) => {
                format!("隔离酒店工作人员（目的地 #{destination}）")
            }
            (Party::CommunityStaff { destination }, Lang::En) => {
                format!("community staff (destination #{destination})")
            }
            (Party::CommunityStaff { destination }, Lang::ZhCn) => {
                format!("社区工作人员（目的地 #{destination}）")
            }
            (Party::HospitalStaff { destination }, Lang::En) => {
                format!("hospital (destination #{destination})")
            }
            (Party::HospitalStaff { destination }, Lang::ZhCn) => {
                format!("定点医院（目的地 #{destination}）")
            }
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.label(lang))
    }
}

/// Where one traveler is in the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LoopStatus {
    #[default]
    NotInCustody,
    /// An open loop.
    InCustody {
        holder: Party,
        since: DateTime<Utc>,
        /// The hand-over that gave custody; none for the registration at the port.
        handover: Option<HandoverId>,
    },
    /// The loop is closed: final, but that a hotel that received the traveler may hand them
    /// to a crew for the second transfer, which opens their second loop.
    Delivered {
        to: Party,
        at: DateTime<Utc>,
        handover: HandoverId,
    },
}

/// Why one traveler's transition is illegal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum LoopError {
    /// Handing over someone nobody has custody of yet.
    NotInCustody,
    /// Registering someone already held.
    AlreadyInCustody { holder: Party },
    /// The giver does not hold the traveler: someone else does.
    HeldByOther { holder: Party },
    /// The loop is closed and stays closed.
    AlreadyDelivered { to: Party },
    /// A pair of parties no hand-over goes between.
    IllegalParties { giver: Party, receiver: Party },
    /// A hand-over timed before the giver had custody.
    BeforeCustody { since: DateTime<Utc> },
    /// The same traveler twice in one hand-over or registration.
    Duplicate,
}

impl LoopError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (LoopError::NotInCustody, Lang::En) => {
                "is not in anyone's custody yet: register them at the port first".into()
            }
            (LoopError::NotInCustody, Lang::ZhCn) => "尚未被任何一方接收：请先在口岸登记".into(),
            (LoopError::AlreadyInCustody { holder }, Lang::En) => {
                format!("is already in the custody of {}", holder.label(lang))
            }
            (LoopError::AlreadyInCustody { holder }, Lang::ZhCn) => {
                format!("已由{}接收", holder.label(lang))
            }
            (LoopError::HeldByOther { holder }, Lang::En) => format!(
                "is in the custody of {}, not of the giver: only the holder can hand over",
                holder.label(lang)
            ),
            (LoopError::HeldByOther { holder }, Lang::ZhCn) => {
                format!(
                    "现由{}负责，并非交出方：只有现负责方可以交出",
                    holder.label(lang)
                )
            }
            (LoopError::AlreadyDelivered { to }, Lang::En) => {
                format!(
                    "was already delivered to {}; the loop is closed",
                    to.label(lang)
                )
            }
            (LoopError::AlreadyDelivered { to }, Lang::ZhCn) => {
                format!("已交付{}，闭环已完成", to.label(lang))
            }
            (LoopError::IllegalParties { giver, receiver }, Lang::En) => format!(
                "{} cannot hand over to {}",
                giver.label(lang),
                receiver.label(lang)
            ),
            (LoopError::IllegalParties { giver, receiver }, Lang::ZhCn) => {
                format!("{}不能向{}交接", giver.label(lang), receiver.label(lang))
            }
            (LoopError::BeforeCustody { since }, Lang::En) => {
                format!("the hand-over is timed before custody began at {since}")
            }
            (LoopError::BeforeCustody { since }, Lang::ZhCn) => {
                format!("交接时间早于接收时间 {since}")
            }
            (LoopError::Duplicate, Lang::En) => "is listed twice: list each traveler once".into(),
            (LoopError::Duplicate, Lang::ZhCn) => "重复列出：每人只列一次".into(),
        }
    }
}

impl LoopStatus {
    /// Port staff register a traveler at the diversion point: the loop opens.
    pub fn admit(&self, port: PortId, at: DateTime<Utc>) -> Result<LoopStatus, LoopError> {
        self.register(Party::PortStaff { port }, at)
    }

    /// `holder` registers a traveler nobody holds: port staff at the diversion point, or hotel
    /// staff for a second transfer of someone whose first the desk did not record (carried
    /// there before the desk path): the loop opens with them.
    fn register(&self, holder: Party, at: DateTime<Utc>) -> Result<LoopStatus, LoopError> {
        match *self {
            LoopStatus::NotInCustody => Ok(LoopStatus::InCustody {
                holder,
                since: at,
                handover: None,
            }),
            LoopStatus::InCustody { holder, .. } => Err(LoopError::AlreadyInCustody { holder }),
            LoopStatus::Delivered { to, .. } => Err(LoopError::AlreadyDelivered { to }),
        }
    }

    /// The giver hands the traveler to the receiver; to a hotel, community or hospital this
    /// closes the loop. The hotel that closed a traveler's loop hands them to a crew for the
    /// second transfer: their second loop opens there (the first stays closed in the record).
    pub fn hand_over(
        &self,
        giver: Party,
        receiver: Party,
        at: DateTime<Utc>,
        handover: HandoverId,
    ) -> Result<LoopStatus, LoopError> {
        match *self {
            LoopStatus::NotInCustody => Err(LoopError::NotInCustody),
            LoopStatus::Delivered { to, at: since, .. }
                if to == giver && giver.role() == PartyRole::HotelStaff =>
            {
                if !giver.may_hand_to(&receiver) {
                    Err(LoopError::IllegalParties { giver, receiver })
                } else if at < since {
                    Err(LoopError::BeforeCustody { since })
                } else {
                    Ok(LoopStatus::InCustody {
                        holder: receiver,
                        since: at,
                        handover: Some(handover),
                    })
                }
            }
            LoopStatus::Delivered { to, .. } => Err(LoopError::AlreadyDelivered { to }),
            LoopStatus::InCustody { holder, .. } if holder != giver => {
                Err(LoopError::HeldByOther { holder })
            }
            _ if !giver.may_hand_to(&receiver) => {
                Err(LoopError::IllegalParties { giver, receiver })
            }
            LoopStatus::InCustody { since, .. } if at < since => {
                Err(LoopError::BeforeCustody { since })
            }
            LoopStatus::InCustody { .. } if receiver.closes_loop() => Ok(LoopStatus::Delivered {
                to: receiver,
                at,
                handover,
            }),
            LoopStatus::InCustody { .. } => Ok(LoopStatus::InCustody {
                holder: receiver,
                since: at,
                handover: Some(handover),
            }),
        }
    }

    pub fn holder(&self) -> Option<Party> {
        match self {
            LoopStatus::InCustody { holder, .. } => Some(*holder),
            _ => None,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self, LoopStatus::InCustody { .. })
    }
}

/// When a traveler's open loop is due to close: their trip's planned arrival, else (a trip
/// recorded without a plan) its end; none without a trip.
pub fn due_at(
    planned_arrival: Option<DateTime<Utc>>,
    trip_end: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    planned_arrival.or(trip_end)
}

/// An open loop past its planned arrival plus a margin: the command centre's red row. A traveler
/// not yet in custody or already delivered is never overdue.
pub fn overdue(
    status: &LoopStatus,
    planned_arrival: DateTime<Utc>,
    margin: TimeDelta,
    now: DateTime<Utc>,
) -> bool {
    status.is_open() && now > planned_arrival + margin
}

/// A refused registration or hand-over: every traveler's problem, and nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct CustodyError {
    /// The hand-over refused; none for a registration.
    pub handover: Option<HandoverId>,
    pub problems: Vec<(TravelerId, LoopError)>,
}

impl CustodyError {
    pub fn message(&self, lang: Lang) -> String {
        let mut out = match (self.handover, lang) {
            (Some(h), Lang::En) => format!("hand-over {h} refused, nothing changed:"),
            (Some(h), Lang::ZhCn) => format!("交接 {h} 被拒绝，未做任何变更："),
            (None, Lang::En) => "registration refused, nothing changed:".to_string(),
            (None, Lang::ZhCn) => "登记被拒绝，未做任何变更：".to_string(),
        };
        for (t, e) in &self.problems {
            out.push_str(&format!(
                "\n  - {} {t} {}",
                lang.pick("traveler", "旅客"),
                e.message(lang)
            ));
        }
        out
    }
}

impl fmt::Display for CustodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}",
            self.message(Lang::En),
            self.message(Lang::ZhCn)
        )
    }
}

/// The loop status of many travelers: what the store loads for the travelers a hand-over
/// names, applies the hand-over to, and writes back from the returned changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Custody {
    loops: BTreeMap<TravelerId, LoopStatus>,
}

/// One traveler's new status, for the store to write.
pub type Change = (TravelerId, LoopStatus);

impl Custody {
    pub fn new() -> Self {
        Self::default()
    }

    /// From stored statuses; travelers not listed are not yet in custody.
    pub fn from_statuses(statuses: impl IntoIterator<Item = Change>) -> Self {
        Custody {
            loops: statuses
                .into_iter()
                .filter(|(_, s)| *s != LoopStatus::NotInCustody)
                .collect(),
        }
    }

    pub fn status(&self, traveler: TravelerId) -> LoopStatus {
        self.loops.get(&traveler).copied().unwrap_or_default()
    }

    /// Every traveler with a status other than "not yet in custody".
    pub fn statuses(&self) -> impl Iterator<Item = Change> + '_ {
        self.loops.iter().map(|(t, s)| (*t, *s))
    }

    /// Travelers in custody and not yet delivered, with who holds them since when.
    pub fn open_loops(&self) -> impl Iterator<Item = (TravelerId, Party, DateTime<Utc>)> + '_ {
        self.loops.iter().filter_map(|(t, s)| match s {
            LoopStatus::InCustody { holder, since, .. } => Some((*t, *holder, *since)),
            _ => None,
        })
    }

    /// Computes every traveler's new status; commits only if none failed.
    fn all_or_none(
        &mut self,
        handover: Option<HandoverId>,
        travelers: &[TravelerId],
        step: impl Fn(&LoopStatus) -> Result<LoopStatus, LoopError>,
    ) -> Result<Vec<Change>, CustodyError> {
        let mut changes: Vec<Change> = Vec::with_capacity(travelers.len());
        let mut problems = Vec::new();
        for t in travelers {
            if changes.iter().any(|(c, _)| c == t) || problems.iter().any(|(p, _)| p == t) {
                problems.push((*t, LoopError::Duplicate));
                continue;
            }
            match step(&self.status(*t)) {
                Ok(s) => changes.push((*t, s)),
                Err(e) => problems.push((*t, e)),
            }
        }
        if !problems.is_empty() {
            return Err(CustodyError { handover, problems });
        }
        self.loops.extend(changes.iter().copied());
        Ok(changes)
    }

    /// Port staff register travelers at the port: all of them, or none if any is already held
    /// or delivered.
    pub fn admit(
        &mut self,
        port: PortId,
        travelers: &[TravelerId],
        at: DateTime<Utc>,
    ) -> Result<Vec<Change>, CustodyError> {
        self.all_or_none(None, travelers, |s| s.admit(port, at))
    }

    /// A hand-over from port staff also registers at their port those of `travelers` nobody
    /// holds yet: the loop opens there. Hotel staff handing over for a second transfer register
    /// at the hotel those whose first transfer the desk did not record. Any other giver
    /// registers nobody.
    pub fn admit_unregistered(
        &mut self,
        giver: Party,
        travelers: &[TravelerId],
        at: DateTime<Utc>,
    ) -> Result<Vec<Change>, CustodyError> {
        if !matches!(giver, Party::PortStaff { .. } | Party::HotelStaff { .. }) {
            return Ok(Vec::new());
        }
        let mut new: Vec<TravelerId> = Vec::new();
        for t in travelers {
            if self.status(*t) == LoopStatus::NotInCustody && !new.contains(t) {
                new.push(*t);
            }
        }
        self.all_or_none(None, &new, |s| s.register(giver, at))
    }

    /// Whether every one of `travelers` could move from `giver` to `receiver` at `at` — the
    /// rules [`Custody::apply`] will apply at the confirmation — changing nothing.
    pub fn check_hand_over(
        &self,
        giver: Party,
        receiver: Party,
        travelers: &[TravelerId],
        at: DateTime<Utc>,
    ) -> Result<(), CustodyError> {
        self.clone()
            .all_or_none(None, travelers, |s| {
                s.hand_over(giver, receiver, at, HandoverId(0))
            })
            .map(drop)
    }

    /// Applies a confirmed hand-over to all its travelers, or to none if any of them cannot
    /// move (not held by the giver, already delivered, listed twice).
    pub fn apply(&mut self, confirmed: &ConfirmedHandover) -> Result<Vec<Change>, CustodyError> {
        let h = confirmed.handover();
        self.all_or_none(Some(h.id), &h.travelers, |s| {
            s.hand_over(h.giver, h.receiver, h.at, h.id)
        })
    }
}
