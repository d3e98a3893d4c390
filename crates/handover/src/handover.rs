//! A custody hand-over as the phones report it, and its validation: parties that may hand
//! over, the travelers by id, both head-counts, both signers and the receiver's one-time code.
//! A head-count that differs from the list blocks the hand-over and yields an incident to open.

use crate::custody::Party;
use crate::ids::HandoverId;
use crate::incident::{IncidentKind, IncidentReport, Severity};
use crate::otp::{CodeError, HandoverSecret, verify};
use crate::text::both;
use chrono::{DateTime, Utc};
use closedloop_domain::Lang;
use closedloop_domain::geo::Coordinates;
use closedloop_domain::ids::{BatchId, TravelerId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handover {
    pub id: HandoverId,
    /// The batch the crew side belongs to.
    pub batch: Option<BatchId>,
    pub giver: Party,
    /// The name of the person who handed over (shown the code on their phone).
    pub giver_signer: String,
    pub receiver: Party,
    /// The name of the person who took over (typed the code).
    pub receiver_signer: String,
    /// The travelers handed over, by id.
    pub travelers: Vec<TravelerId>,
    /// How many should be handed over (the plan for this stop).
    pub expected: u32,
    /// How many the two parties counted together.
    pub counted: u32,
    /// When the receiver confirmed. The code is checked at this instant, not at sync time,
    /// because phones on a flaky network report hand-overs late.
    pub at: DateTime<Utc>,
    pub place: Coordinates,
    /// The six digits the receiver typed from the giver's phone.
    pub code: String,
}

/// Why a hand-over is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RefusalReason {
    NoTravelers,
    DuplicateTraveler {
        traveler: TravelerId,
    },
    IllegalParties {
        giver: Party,
        receiver: Party,
    },
    /// A signer's name is blank; `giver` tells which one.
    MissingSigner {
        giver: bool,
    },
    /// The list has another number of travelers than expected.
    ListDiffers {
        listed: u32,
        expected: u32,
    },
    HeadCountMismatch {
        expected: u32,
        counted: u32,
    },
    Code {
        error: CodeError,
    },
}

impl RefusalReason {
    pub fn message(&self, lang: Lang) -> String {
        use RefusalReason::*;
        match (self, lang) {
            (NoTravelers, Lang::En) => "no traveler is listed".into(),
            (NoTravelers, Lang::ZhCn) => "未列出任何旅客".into(),
            (DuplicateTraveler { traveler }, Lang::En) => {
                format!("traveler {traveler} is listed twice")
            }
            (DuplicateTraveler { traveler }, Lang::ZhCn) => format!("旅客 {traveler} 重复列出"),
            (IllegalParties { giver, receiver }, Lang::En) => format!(
                "{} cannot hand over to {}",
                giver.label(lang),
                receiver.label(lang)
            ),
            (IllegalParties { giver, receiver }, Lang::ZhCn) => {
                format!("{}不能向{}交接", giver.label(lang), receiver.label(lang))
            }
            (MissingSigner { giver: true }, Lang::En) => {
                "the giver's name is missing: the person handing over must sign".into()
            }
            (MissingSigner { giver: true }, Lang::ZhCn) => "缺少交出人姓名：交出人须签名".into(),
            (MissingSigner { giver: false }, Lang::En) => {
                "the receiver's name is missing: the person taking over must sign".into()
            }
            (MissingSigner { giver: false }, Lang::ZhCn) => "缺少接收人姓名：接收人须签名".into(),
            (ListDiffers { listed, expected }, Lang::En) => format!(
                "{listed} travelers are listed but {expected} are expected: correct the list"
            ),
            (ListDiffers { listed, expected }, Lang::ZhCn) => {
                format!("名单列出 {listed} 人，应交接 {expected} 人：请核对名单")
            }
            (HeadCountMismatch { expected, counted }, Lang::En) => format!(
                "head-count mismatch: {expected} expected, {counted} counted; the hand-over is blocked and an incident is opened"
            ),
            (HeadCountMismatch { expected, counted }, Lang::ZhCn) => {
                format!("人数不符：应交接 {expected} 人，实点 {counted} 人；交接已暂停并上报事件")
            }
            (Code { error }, _) => error.message(lang),
        }
    }
}

/// A refused hand-over: every reason, and the incident to open if the head-count differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub struct HandoverRefusal {
    pub handover: HandoverId,
    pub reasons: Vec<RefusalReason>,
    /// Boxed: it is large and present only on a miscount.
    pub incident: Option<Box<IncidentReport>>,
}

impl HandoverRefusal {
    /// The incident a refusal opens: a head-count that differs, confirmed with the right code.
    /// With a wrong code the count is not confirmed by both parties, so nothing is opened.
    pub fn incident_to_open(&self) -> Option<&IncidentReport> {
        self.incident.as_deref().filter(|_| !self.code_refused())
    }

    /// The code was refused (wrong, or not six digits): a failed attempt at the request.
    pub fn code_refused(&self) -> bool {
        self.reasons
            .iter()
            .any(|r| matches!(r, RefusalReason::Code { .. }))
    }

    pub fn message(&self, lang: Lang) -> String {
        let mut out = match lang {
            Lang::En => format!("hand-over {} refused:", self.handover),
            Lang::ZhCn => format!("交接 {} 被拒绝：", self.handover),
        };
        for r in &self.reasons {
            out.push_str("\n  - ");
            out.push_str(&r.message(lang));
        }
        out
    }
}

impl fmt::Display for HandoverRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}",
            self.message(Lang::En),
            self.message(Lang::ZhCn)
        )
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.message(lang))
    }
}

/// A hand-over that passed every check; only [`Handover::confirm`] makes one, so custody is
/// never moved by an unchecked report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfirmedHandover(Handover);

impl ConfirmedHandover {
    pub fn handover(&self) -> &Handover {
        &self.0
    }

    pub fn into_inner(self) -> Handover {
        self.0
    }
}

impl Handover {
    /// Checks everything a hand-over needs, reporting every problem at once. A head-count
    /// that differs from the expected one also yields the incident the desk must open.
    pub fn confirm(self, secret: &HandoverSecret) -> Result<ConfirmedHandover, HandoverRefusal> {
        let mut reasons = Vec::new();
        if self.travelers.is_empty() {
            reasons.push(RefusalReason::NoTravelers);
        }
        let mut seen = BTreeSet::new();
        for t in &self.travelers {
            if !seen.insert(*t) {
                reasons.push(RefusalReason::DuplicateTraveler { traveler: *t });
            }
        }
        if !self.giver.may_hand_to(&self.receiver) {
            reasons.push(RefusalReason::IllegalParties {
                giver: self.giver,
                receiver: self.receiver,
            });
        }
        if self.giver_signer.trim().is_empty() {
            reasons.push(RefusalReason::MissingSigner { giver: true });
        }
        if self.receiver_signer.trim().is_empty() {
            reasons.push(RefusalReason::MissingSigner { giver: false });
        }
        let listed = self.travelers.len() as u32;
        if listed != self.expected {
            reasons.push(RefusalReason::ListDiffers {
                listed,
                expected: self.expected,
            });
        }
        let mut incident = None;
        if self.counted != self.expected {
            reasons.push(RefusalReason::HeadCountMismatch {
                expected: self.expected,
                counted: self.counted,
            });
            incident = Some(Box::new(self.mismatch_incident()));
        }
        if let Err(error) = verify(secret, self.id, &self.code, self.at) {
            reasons.push(RefusalReason::Code { error });
        }
        if reasons.is_empty() {
            Ok(ConfirmedHandover(self))
        } else {
            Err(HandoverRefusal {
                handover: self.id,
                reasons,
                incident,
            })
        }
    }

    /// Fewer counted than expected may be an escape: serious until found. More counted is a
    /// list error at worst, still to be cleared before anyone moves.
    fn mismatch_incident(&self) -> IncidentReport {
        let severity = if self.counted < self.expected {
            Severity::Serious
        } else {
            Severity::Minor
        };
        IncidentReport {
            kind: IncidentKind::HeadCountMismatch,
            severity,
            at: self.at,
            place: Some(self.place),
            batch: self.batch,
            vehicle: None,
            travelers: self.travelers.clone(),
            crew: Vec::new(),
            description: format!(
                "hand-over {}: {} → {}, {} expected, {} counted / 交接 {}：{} → {}，应交接 {} 人，实点 {} 人",
                self.id,
                self.giver.label(Lang::En),
                self.receiver.label(Lang::En),
                self.expected,
                self.counted,
                self.id,
                self.giver.label(Lang::ZhCn),
                self.receiver.label(Lang::ZhCn),
                self.expected,
                self.counted,
            ),
        }
    }
}
