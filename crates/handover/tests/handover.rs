//! Hand-overs: the receiver's one-time code, head-count mismatches, custody moves and overdue
//! loops.

mod common;

use chrono::TimeDelta;
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, DestinationId, PortId, TravelerId};
use closedloop_handover::handover::RefusalReason;
use closedloop_handover::ids::{HandoverId, IncidentId};
use closedloop_handover::otp::{self, CodeError, HandoverSecret, STEP_SECONDS};
use closedloop_handover::{
    Custody, Handover, Incident, IncidentKind, LoopError, LoopStatus, Party, Severity, overdue,
};
use common::{place, utc};

const AT: &str = "2021-06-15T03:00:10Z";

fn secret() -> HandoverSecret {
    HandoverSecret::from_bytes(*b"0123456789abcdef0123456789abcdef")
}

const PORT: Party = Party::PortStaff { port: PortId(1) };
const CREW: Party = Party::Crew { batch: BatchId(7) };
const HOTEL: Party = Party::HotelStaff {
    destination: DestinationId(10),
};

fn handover(id: i64, giver: Party, receiver: Party, travelers: &[i64]) -> Handover {
    let at = utc(AT);
    Handover {
        id: HandoverId(id),
        batch: Some(BatchId(7)),
        giver,
        giver_signer: "周敏".into(),
        receiver,
        receiver_signer: "陈刚".into(),
        travelers: travelers.iter().map(|t| TravelerId(*t)).collect(),
        expected: travelers.len() as u32,
        counted: travelers.len() as u32,
        at,
        place: place(),
        code: otp::code_at(&secret(), HandoverId(id), at).to_string(),
    }
}

#[test]
fn the_right_code_is_accepted_a_wrong_one_refused() {
    let s = secret();
    let id = HandoverId(42);
    let now = utc(AT);
    let code = otp::code_at(&s, id, now);
    assert_eq!(code.as_str().len(), 6);
    assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
    otp::verify(&s, id, code.as_str(), now).unwrap();
    // Typed with a space in the middle, as people read six digits aloud.
    let spaced = format!("{} {}", &code.as_str()[..3], &code.as_str()[3..]);
    otp::verify(&s, id, &spaced, now).unwrap();

    let wrong = format!(
        "{:06}",
        (code.as_str().parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(otp::verify(&s, id, &wrong, now), Err(CodeError::Wrong));
    assert_eq!(otp::verify(&s, id, "12345", now), Err(CodeError::Malformed));
    // The code belongs to this hand-over and this secret only.
    assert_eq!(
        otp::verify(&s, HandoverId(43), code.as_str(), now),
        Err(CodeError::Wrong)
    );
    let other = HandoverSecret::from_bytes([7; 32]);
    assert_eq!(
        otp::verify(&other, id, code.as_str(), now),
        Err(CodeError::Wrong)
    );
    assert!(CodeError::Wrong.to_string().contains("确认码错误"));
}

#[test]
fn one_step_of_drift_is_accepted_two_are_refused() {
    let s = secret();
    let id = HandoverId(42);
    let now = utc(AT);
    let step = TimeDelta::seconds(STEP_SECONDS);
    for (shift, ok) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
        let shown = otp::code_at(&s, id, now + step * shift);
        let result = otp::verify(&s, id, shown.as_str(), now);
        assert_eq!(result.is_ok(), ok, "code from {shift} step(s) away");
        if !ok {
            assert_eq!(result, Err(CodeError::Wrong));
        }
    }
    // Codes of neighbouring steps differ (else the window test above would prove nothing).
    let codes: Vec<_> = (-2..=2)
        .map(|k| otp::code_at(&s, id, now + step * k))
        .collect();
    for (i, a) in codes.iter().enumerate() {
        for b in &codes[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert_eq!(otp::seconds_left(now), 20);
}

#[test]
fn a_confirmed_hand_over_moves_custody_and_delivery_closes_the_loop() {
    let mut custody = Custody::new();
    let t0 = utc(AT) - TimeDelta::hours(1);
    custody
        .admit(PortId(1), &[TravelerId(1), TravelerId(2)], t0)
        .unwrap();
    let to_crew = handover(1, PORT, CREW, &[1, 2]).confirm(&secret()).unwrap();
    let changes = custody.apply(&to_crew).unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(custody.status(TravelerId(1)).holder(), Some(CREW));

    let mut to_hotel = handover(2, CREW, HOTEL, &[1, 2]);
    to_hotel.at = utc(AT) + TimeDelta::minutes(40);
    to_hotel.code = otp::code_at(&secret(), HandoverId(2), to_hotel.at).to_string();
    let confirmed = to_hotel.clone().confirm(&secret()).unwrap();
    custody.apply(&confirmed).unwrap();
    assert!(matches!(
        custody.status(TravelerId(2)),
        LoopStatus::Delivered {
            to: HOTEL,
            handover: HandoverId(2),
            ..
        }
    ));
    assert_eq!(custody.open_loops().count(), 0);

    // Delivered is final: the same hand-over again is refused and changes nothing.
    let before = custody.clone();
    let e = custody.apply(&confirmed).unwrap_err();
    assert_eq!(e.problems.len(), 2);
    assert!(matches!(
        e.problems[0].1,
        LoopError::AlreadyDelivered { to: HOTEL }
    ));
    assert_eq!(custody, before);
    assert!(e.to_string().contains("the loop is closed"), "{e}");
    assert!(e.to_string().contains("闭环已完成"), "{e}");
}

#[test]
fn a_hand_over_moves_all_travelers_or_none() {
    let mut custody = Custody::new();
    custody.admit(PortId(1), &[TravelerId(1)], utc(AT)).unwrap();
    // Traveler 2 was never registered at the port: the whole hand-over is refused.
    let h = handover(3, PORT, CREW, &[1, 2]).confirm(&secret()).unwrap();
    let before = custody.clone();
    let e = custody.apply(&h).unwrap_err();
    assert_eq!(e.problems, [(TravelerId(2), LoopError::NotInCustody)]);
    assert_eq!(custody, before);
    assert_eq!(custody.status(TravelerId(1)).holder(), Some(PORT));
    // Registering someone twice is refused too.
    assert!(matches!(
        custody
            .admit(PortId(2), &[TravelerId(1)], utc(AT))
            .unwrap_err()
            .problems[0]
            .1,
        LoopError::AlreadyInCustody { holder: PORT }
    ));
}

#[test]
fn a_head_count_mismatch_blocks_and_yields_an_incident() {
    let mut h = handover(5, CREW, HOTEL, &[1, 2, 3]);
    h.counted = 2;
    let refusal = h.confirm(&secret()).unwrap_err();
    assert_eq!(
        refusal.reasons,
        [RefusalReason::HeadCountMismatch {
            expected: 3,
            counted: 2
        }]
    );
    let report = refusal.incident.clone().expect("an incident to open");
    assert_eq!(report.kind, IncidentKind::HeadCountMismatch);
    assert_eq!(report.severity, Severity::Serious);
    assert_eq!(report.batch, Some(BatchId(7)));
    assert_eq!(report.travelers.len(), 3);
    assert!(report.description.contains("3 expected, 2 counted"));
    assert!(report.description.contains("应交接 3 人，实点 2 人"));
    let text = refusal.to_string();
    assert!(
        text.contains("head-count mismatch: 3 expected, 2 counted"),
        "{text}"
    );
    assert!(text.contains("人数不符：应交接 3 人，实点 2 人"), "{text}");

    // The incident opens, and is later resolved with a note.
    let mut incident = Incident::open(IncidentId(1), *report);
    assert!(incident.is_open());
    incident
        .resolve(
            "第三名旅客在车上睡着，复点 3 人后重新交接",
            utc(AT) + TimeDelta::minutes(10),
        )
        .unwrap();
    assert!(!incident.is_open());
    assert_eq!(incident.title(Lang::En), "head-count mismatch (serious)");
}

#[test]
fn every_problem_of_a_hand_over_is_reported_at_once() {
    let mut h = handover(6, PORT, HOTEL, &[1, 1]);
    h.expected = 3;
    h.counted = 3;
    h.receiver_signer = " ".into();
    h.code = "000000".into();
    if otp::verify(&secret(), h.id, "000000", h.at).is_ok() {
        h.code = "999999".into();
    }
    let refusal = h.confirm(&secret()).unwrap_err();
    assert!(
        refusal.incident.is_none(),
        "the count matched the expected number"
    );
    let reasons = &refusal.reasons;
    assert!(reasons.contains(&RefusalReason::DuplicateTraveler {
        traveler: TravelerId(1)
    }));
    assert!(reasons.contains(&RefusalReason::IllegalParties {
        giver: PORT,
        receiver: HOTEL
    }));
    assert!(reasons.contains(&RefusalReason::MissingSigner { giver: false }));
    assert!(reasons.contains(&RefusalReason::ListDiffers {
        listed: 2,
        expected: 3
    }));
    assert!(reasons.contains(&RefusalReason::Code {
        error: CodeError::Wrong
    }));
    assert_eq!(reasons.len(), 5, "{refusal}");
}

#[test]
fn an_open_loop_past_its_planned_arrival_and_margin_is_overdue() {
    let planned = utc("2021-06-15T04:00:00Z");
    let margin = TimeDelta::minutes(30);
    let open = LoopStatus::InCustody {
        holder: CREW,
        since: utc(AT),
        handover: Some(HandoverId(1)),
    };
    assert!(!overdue(
        &open,
        planned,
        margin,
        planned + TimeDelta::minutes(30)
    ));
    assert!(overdue(
        &open,
        planned,
        margin,
        planned + TimeDelta::minutes(31)
    ));
    let closed = LoopStatus::Delivered {
        to: HOTEL,
        at: planned,
        handover: HandoverId(2),
    };
    let late = planned + TimeDelta::hours(5);
    assert!(!overdue(&closed, planned, margin, late));
    assert!(!overdue(&LoopStatus::NotInCustody, planned, margin, late));
}

#[test]
fn statuses_round_trip_through_json_for_the_store() {
    let mut custody = Custody::new();
    custody.admit(PortId(1), &[TravelerId(1)], utc(AT)).unwrap();
    let json = serde_json::to_string(&custody.statuses().collect::<Vec<_>>()).unwrap();
    assert!(json.contains(r#""status":"in_custody""#), "{json}");
    assert!(json.contains(r#""party":"port_staff""#), "{json}");
    let back: Vec<(TravelerId, LoopStatus)> = serde_json::from_str(&json).unwrap();
    assert_eq!(Custody::from_statuses(back), custody);
}
