//! The demo crews' answers to each check-list of `config/checklists.toml`, passing ones: the
//! morning (through the app) and the simulated drivers (through the API) send the same.

use closedloop_handover::ChecklistKind;
use serde_json::{Value, json};

pub fn answers(kind: ChecklistKind, head_count: usize) -> Value {
    match kind {
        ChecklistKind::PreTripTraining => json!({
            "epidemic_protection_passed": true, "ppe_donning_doffing": true,
            "traffic_safety_passed": true, "assessment_score": 92,
            "emergency_plan_known": true, "assessor": "Demo trainer 演示考核员"}),
        ChecklistKind::CrewHealth => json!({
            "body_temperature": 36.6, "no_symptoms": true, "health_code_green": true,
            "nucleic_acid_negative": true, "hours_since_last_test": 20, "vaccinated": true}),
        ChecklistKind::VehicleInspection => json!({
            "brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
            "cab_partition": true, "safety_kit": true, "odometer": 120345,
            "dashboard_photo": "photos/demo-dash.jpg"}),
        ChecklistKind::PreDepartureReminder => json!({
            "crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
            "travelers_notified": true, "notice_languages": "zh;en",
            "travelers_masked_and_spaced": true}),
        ChecklistKind::PersonnelHandover => json!({
            "head_count": head_count, "identities_verified": true,
            "temperatures_taken": true, "luggage_handed_over": true,
            "receiver_name": "Receiving desk 接收方", "receiver_signature": "photos/demo-sig.jpg"}),
        ChecklistKind::Sanitation => json!({
            "interior_disinfected": true, "disinfectant": "84 disinfectant",
            "available_chlorine": 1000, "contact_minutes": 30, "ventilated": true,
            "waste_bagged": true, "ppe_restocked": true,
            "disinfection_photo": "photos/demo-disinfection.jpg"}),
        ChecklistKind::RotationHandover => json!({}),
    }
}
