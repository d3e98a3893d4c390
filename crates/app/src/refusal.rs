//! A desk refusal as the phones and scripts read it: what was refused, every reason in the
//! reader's language, and the facts recorded all the same (the gate decision, the incident of
//! a head-count mismatch).

use closedloop_domain::Lang;
use closedloop_store::desk::DeskError;
use serde_json::{Value, json};

/// `{"refused": "gate" | "handover" | "custody" | "request", …, "message"}`; a hand-over
/// refused for its code also says its `wrong_codes` so far and whether it is `locked`.
pub fn refusal_json(d: &DeskError, lang: Lang) -> Value {
    let message = d.message(lang);
    match d {
        DeskError::GateRefused(r) => json!({
            "refused": "gate",
            "trip": r.batch,
            "transition": r.transition,
            "missing": r.missing,
            "messages": r.missing.iter().map(|m| m.message(lang)).collect::<Vec<_>>(),
            "message": message,
        }),
        DeskError::HandoverRefused {
            refusal,
            incident,
            wrong_codes,
        } => json!({
            "refused": "handover",
            "handover": refusal.handover,
            "reasons": refusal.reasons,
            "messages": refusal.reasons.iter().map(|r| r.message(lang)).collect::<Vec<_>>(),
            "incident": incident,
            "wrong_codes": wrong_codes,
            "locked": wrong_codes.is_some_and(|w| w.is_locked()),
            "message": message,
        }),
        DeskError::HandoverLocked {
            handover,
            wrong_codes,
        } => json!({
            "refused": "handover",
            "handover": handover,
            "wrong_codes": wrong_codes,
            "locked": true,
            "message": message,
        }),
        DeskError::Custody(c) => json!({
            "refused": "custody",
            "problems": c.problems,
            "message": message,
        }),
        _ => json!({"refused": "request", "message": message}),
    }
}
