//! Who sees which personal field: one policy for every listing and export. A field is shown
//! to the roles whose work needs it and masked for everyone else, the anonymous reader (a
//! listing without `--reveal`, a log, a wall screen) included.

use chrono::{NaiveDate, NaiveDateTime};
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_domain::traveler::{
    DestinationKind, DocumentType, HealthStatus, Sex, SpecialNeeds, mask,
};
use closedloop_handover::ids::IncidentId;
use closedloop_handover::{IncidentKind, Severity};
use closedloop_store::desk::{IncidentRow, IncidentStatus};
use closedloop_store::query::TravelerRecord;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// The roles of the people who read closedloop's data (the web service's accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRole {
    Dispatcher,
    Driver,
    Escort,
    PortStaff,
    HotelStaff,
    Commander,
    Auditor,
    Admin,
}

/// The personal fields the policy covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonalField {
    Name,
    Document,
    Phone,
    BirthDate,
    Address,
    Health,
    SpecialNeeds,
    FamilyGroup,
    /// Free text written about people: traveler notes, incident descriptions and resolutions.
    FreeText,
}

impl PersonalField {
    pub const ALL: [PersonalField; 9] = [
        PersonalField::Name,
        PersonalField::Document,
        PersonalField::Phone,
        PersonalField::BirthDate,
        PersonalField::Address,
        PersonalField::Health,
        PersonalField::SpecialNeeds,
        PersonalField::FamilyGroup,
        PersonalField::FreeText,
    ];
}

impl AccessRole {
    /// Whether this role's work needs `field` unmasked.
    pub fn sees(self, field: PersonalField) -> bool {
        use AccessRole::*;
        use PersonalField::*;
        match self {
            Dispatcher | Admin => true,
            // The crew counts and calls travelers by name, delivers home, and looks after needs.
            Driver => matches!(field, Name | Address | SpecialNeeds),
            Escort => matches!(field, Name | Phone | Health | SpecialNeeds | FamilyGroup),
            PortStaff => matches!(field, Name | Document | SpecialNeeds | FamilyGroup),
            HotelStaff => matches!(
                field,
                Name | Document | Phone | Health | SpecialNeeds | FamilyGroup
            ),
            Commander | Auditor => matches!(field, FreeText),
        }
    }
}

/// Who is reading: a role, or nobody in particular (everything masked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewer(pub Option<AccessRole>);

impl Viewer {
    /// Everything personal masked: the default of every listing.
    pub const ANONYMOUS: Viewer = Viewer(None);

    /// The operator at the server's shell who asked to see personal data (`--reveal`): they
    /// hold the database itself, so the policy hides nothing from them.
    pub const SHELL_REVEAL: Viewer = Viewer(Some(AccessRole::Admin));

    pub fn sees(self, field: PersonalField) -> bool {
        self.0.is_some_and(|r| r.sees(field))
    }

    /// `value` itself, or [`Shown::Masked`] when this viewer may not see `field`.
    pub fn field<T>(self, field: PersonalField, value: T) -> Shown<T> {
        if self.sees(field) {
            Shown::Value(value)
        } else {
            Shown::Masked
        }
    }

    /// `value` itself, or the part `partly` keeps when this viewer may not see `field`.
    fn partly(
        self,
        field: PersonalField,
        value: String,
        partly: impl Fn(&str) -> String,
    ) -> Shown<String> {
        if self.sees(field) {
            Shown::Value(value)
        } else {
            Shown::Partial(partly(&value))
        }
    }

    /// A traveler as this viewer may see them.
    pub fn traveler(self, r: TravelerRecord) -> TravelerView {
        use PersonalField::*;
        TravelerView {
            id: r.id,
            transport_no: r.transport_no,
            service_date: r.service_date,
            scheduled_at: r.scheduled_at,
            port_code: r.port_code,
            full_name: self.partly(Name, r.full_name, mask_name),
            sex: r.sex,
            birth_date: self.field(BirthDate, r.birth_date),
            nationality: r.nationality,
            document_type: r.document_type,
            document_number: self.partly(Document, r.document_number, mask),
            phone: r.phone.map(|p| self.partly(Phone, p, mask_phone)),
            language: r.language,
            health: r.health.map(|h| self.field(Health, h)),
            // No needs is no secret: an empty set reads as empty for everyone.
            special_needs: if r.special_needs.is_empty() {
                Shown::Value(r.special_needs)
            } else {
                self.field(SpecialNeeds, r.special_needs)
            },
            destination_kind: r.destination_kind,
            destination_address: r.destination_address.map(|a| self.field(Address, a)),
            family_group: r.family_group.map(|g| self.field(FamilyGroup, g)),
            notes: r.notes.map(|n| self.field(FreeText, n)),
            source_row: r.source_row,
        }
    }

    /// An incident as this viewer may see it: its description and resolution note name people.
    pub fn incident(self, r: IncidentRow) -> IncidentView {
        IncidentView {
            id: r.id,
            kind: r.kind,
            severity: r.severity,
            at: r.at,
            trip: r.trip,
            vehicle: r.vehicle,
            travelers: r.travelers,
            crew: r.crew,
            description: self.field(PersonalField::FreeText, r.description),
            status: r.status,
            resolved_at: r.resolved_at,
            resolution: r.resolution.map(|n| self.field(PersonalField::FreeText, n)),
        }
    }
}

/// What a masked field reads in listings and exports.
pub const MASKED: &str = "***";

/// A personal field as one viewer may see it: the value itself, a part of it that identifies
/// nobody (a name's first characters, a document number's ends, a phone's calling code and
/// last digits), or nothing. Serialised as the value, the part, or `"***"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown<T> {
    Value(T),
    Partial(String),
    Masked,
}

impl<T> Shown<T> {
    /// The value, when the viewer may see it.
    pub fn value(&self) -> Option<&T> {
        match self {
            Shown::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_shown(&self) -> bool {
        matches!(self, Shown::Value(_))
    }
}

impl<T: Serialize> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Value(v) => v.serialize(s),
            Shown::Partial(p) => s.serialize_str(p),
            Shown::Masked => s.serialize_str(MASKED),
        }
    }
}

impl<T: fmt::Display> fmt::Display for Shown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Value(v) => v.fmt(f),
            Shown::Partial(p) => f.write_str(p),
            Shown::Masked => f.write_str(MASKED),
        }
    }
}

/// A field whose absence is all a masked reader may learn: masked reads as `null`, like no
/// value (birth dates).
fn masked_as_null<T: Serialize, S: Serializer>(
    v: &Shown<Option<T>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Shown::Value(v) => v.serialize(s),
        Shown::Partial(_) | Shown::Masked => s.serialize_none(),
    }
}

/// A stored traveler as one viewer may see them (`travelers list`): the same fields as
/// [`TravelerRecord`], the personal ones through the policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TravelerView {
    pub id: TravelerId,
    pub transport_no: String,
    pub service_date: NaiveDate,
    pub scheduled_at: NaiveDateTime,
    pub port_code: String,
    pub full_name: Shown<String>,
    pub sex: Sex,
    /// `null` when masked.
    #[serde(serialize_with = "masked_as_null")]
    pub birth_date: Shown<Option<NaiveDate>>,
    pub nationality: String,
    pub document_type: DocumentType,
    pub document_number: Shown<String>,
    pub phone: Option<Shown<String>>,
    pub language: Option<String>,
    /// `null` once a purge erased it.
    pub health: Option<Shown<HealthStatus>>,
    pub special_needs: Shown<SpecialNeeds>,
    pub destination_kind: DestinationKind,
    pub destination_address: Option<Shown<String>>,
    pub family_group: Option<Shown<String>>,
    pub notes: Option<Shown<String>>,
    pub source_row: i64,
}

/// A stored incident as one viewer may see it (`incident list`): the free text through the
/// policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentView {
    pub id: IncidentId,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub at: NaiveDateTime,
    pub trip: Option<BatchId>,
    pub vehicle: Option<VehicleId>,
    pub travelers: Vec<TravelerId>,
    pub crew: Vec<CrewId>,
    pub description: Shown<String>,
    pub status: IncidentStatus,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution: Option<Shown<String>>,
}

/// Names keep their first character: "张**", "J*** S****".
pub fn mask_name(name: &str) -> String {
    let mut first = true;
    name.chars()
        .map(|c| {
            if c == ' ' {
                first = true;
                ' '
            } else if first {
                first = false;
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Phones keep their country calling code and last four digits: "+86*******5678",
/// "+44******0123", "+1*******4567".
pub fn mask_phone(phone: &str) -> String {
    let n = phone.chars().count();
    let keep_head = match phone.strip_prefix('+') {
        Some(digits) => 1 + calling_code_len(digits),
        None => 0,
    };
    phone
        .chars()
        .enumerate()
        .map(|(i, c)| if i < keep_head || i + 4 >= n { c } else { '*' })
        .collect()
}

/// Length of the ITU-T E.164 country calling code that starts `digits` (the codes are
/// prefix-free: 1 and 7 are one digit, the two-digit ones are listed, the rest have three).
fn calling_code_len(digits: &str) -> usize {
    const TWO: [&str; 43] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95",
    ];
    let len = match digits.as_bytes().first() {
        Some(b'1' | b'7') => 1,
        Some(_) if digits.len() >= 2 && (TWO.contains(&&digits[..2]) || &digits[..2] == "98") => 2,
        Some(_) => 3,
        None => 0,
    };
    // A short number keeps at least its last four digits visible and the rest masked.
    len.min(digits.len().saturating_sub(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_phones_keep_only_what_identifies_nobody() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("John Smith"), "J*** S****");
        assert_eq!(mask_phone("+8613812345678"), "+86*******5678");
        assert_eq!(mask_phone("+447700900123"), "+44******0123");
        assert_eq!(mask_phone("+12025550123"), "+1******0123");
        assert_eq!(mask_phone("+85291234567"), "+852****4567");
        assert_eq!(mask_phone("+77012345678"), "+7******5678");
    }

    #[test]
    fn the_policy_masks_for_the_anonymous_and_shows_by_role() {
        use PersonalField::*;
        for f in PersonalField::ALL {
            assert!(!Viewer::ANONYMOUS.sees(f));
            assert!(Viewer::SHELL_REVEAL.sees(f));
        }
        let driver = Viewer(Some(AccessRole::Driver));
        assert!(driver.sees(Name) && driver.sees(Address));
        assert!(!driver.sees(Document) && !driver.sees(Health));
        assert!(!Viewer(Some(AccessRole::Commander)).sees(Name));
    }

    fn record() -> TravelerRecord {
        let day = NaiveDate::from_ymd_opt(2021, 3, 5).unwrap();
        TravelerRecord {
            id: TravelerId(7),
            transport_no: "CA936".into(),
            service_date: day,
            scheduled_at: day.and_hms_opt(14, 30, 0).unwrap(),
            port_code: "PVG".into(),
            full_name: "Wang Wei".into(),
            sex: Sex::Male,
            birth_date: NaiveDate::from_ymd_opt(1950, 1, 2),
            nationality: "CHN".into(),
            document_type: DocumentType::Passport,
            document_number: "E12345678".into(),
            phone: Some("+8613812345678".into()),
            language: Some("zh".into()),
            health: Some(HealthStatus::CloseContact),
            special_needs: SpecialNeeds::from_codes("elderly,wheelchair").unwrap(),
            destination_kind: DestinationKind::Home,
            destination_address: Some("上海市徐汇区漕溪北路88号".into()),
            family_group: Some("F1".into()),
            notes: Some("needs a ramp".into()),
            source_row: 4,
        }
    }

    #[test]
    fn shown_serialises_as_the_value_its_part_or_the_mask() {
        let json = |v: Shown<HealthStatus>| serde_json::to_string(&v).unwrap();
        assert_eq!(json(Shown::Value(HealthStatus::Positive)), r#""positive""#);
        assert_eq!(json(Shown::Masked), r#""***""#);
        assert_eq!(json(Shown::Partial("p*******e".into())), r#""p*******e""#);
        assert_eq!(Shown::Value(HealthStatus::Normal).to_string(), "normal");
        assert_eq!(Shown::<HealthStatus>::Masked.to_string(), "***");
        assert_eq!(Shown::<u8>::Masked.value(), None);
        assert!(Shown::Value(1).is_shown() && !Shown::<u8>::Partial("x".into()).is_shown());
    }

    #[test]
    fn the_anonymous_reader_sees_no_personal_field() {
        let v = Viewer::ANONYMOUS.traveler(record());
        assert_eq!(v.health, Some(Shown::Masked));
        assert_eq!(v.special_needs, Shown::Masked);
        assert_eq!(v.birth_date, Shown::Masked);
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({
                "id": 7, "transport_no": "CA936", "service_date": "2021-03-05",
                "scheduled_at": "2021-03-05T14:30:00", "port_code": "PVG",
                "full_name": "W*** W**", "sex": "male", "birth_date": null,
                "nationality": "CHN", "document_type": "passport",
                "document_number": "E1*****78", "phone": "+86*******5678", "language": "zh",
                "health": "***", "special_needs": "***", "destination_kind": "home",
                "destination_address": "***", "family_group": "***", "notes": "***",
                "source_row": 4
            })
        );
        // No needs is shown as none, absent fields stay absent.
        let mut bare = record();
        bare.special_needs = SpecialNeeds::default();
        bare.phone = None;
        bare.notes = None;
        let v = Viewer::ANONYMOUS.traveler(bare);
        assert_eq!(v.special_needs, Shown::Value(SpecialNeeds::default()));
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(
            (&json["special_needs"], &json["phone"], &json["notes"]),
            (
                &serde_json::json!(""),
                &serde_json::Value::Null,
                &serde_json::Value::Null
            )
        );
    }

    #[test]
    fn a_role_sees_what_its_work_needs_and_reveal_sees_all() {
        let driver = Viewer(Some(AccessRole::Driver)).traveler(record());
        assert_eq!(driver.full_name, Shown::Value("Wang Wei".into()));
        assert_eq!(
            driver.destination_address,
            Some(Shown::Value("上海市徐汇区漕溪北路88号".into()))
        );
        assert_eq!(
            driver.special_needs.value().map(SpecialNeeds::to_codes),
            Some("elderly,wheelchair".into())
        );
        assert_eq!(driver.health, Some(Shown::Masked));
        assert_eq!(driver.document_number, Shown::Partial("E1*****78".into()));
        let all = Viewer::SHELL_REVEAL.traveler(record());
        assert_eq!(all.health, Some(Shown::Value(HealthStatus::CloseContact)));
        assert_eq!(
            all.birth_date,
            Shown::Value(NaiveDate::from_ymd_opt(1950, 1, 2))
        );
        let json = serde_json::to_value(&all).unwrap();
        assert_eq!(json["birth_date"], "1950-01-02");
        assert_eq!(json["special_needs"], "elderly,wheelchair");
        assert_eq!(json["notes"], "needs a ramp");
    }

    #[test]
    fn incident_free_text_is_masked_unless_the_viewer_reads_it() {
        let day = NaiveDate::from_ymd_opt(2021, 3, 5).unwrap();
        let row = IncidentRow {
            id: IncidentId(3),
            kind: IncidentKind::EscapeOrRefusal,
            severity: Severity::Serious,
            at: day.and_hms_opt(15, 0, 0).unwrap(),
            trip: Some(BatchId(2)),
            vehicle: Some(VehicleId(1)),
            travelers: vec![TravelerId(7)],
            crew: vec![CrewId(4)],
            description: "Wang Wei ran off".into(),
            status: IncidentStatus::Resolved,
            resolved_at: Some(day.and_hms_opt(16, 0, 0).unwrap()),
            resolution: Some("found at gate 3".into()),
        };
        let masked = Viewer::ANONYMOUS.incident(row.clone());
        assert_eq!(
            serde_json::to_string(&masked).unwrap(),
            r#"{"id":3,"kind":"escape_or_refusal","severity":"serious","at":"2021-03-05T15:00:00","trip":2,"vehicle":1,"travelers":[7],"crew":[4],"description":"***","status":"resolved","resolved_at":"2021-03-05T16:00:00","resolution":"***"}"#
        );
        let auditor = Viewer(Some(AccessRole::Auditor)).incident(row);
        assert_eq!(auditor.description, Shown::Value("Wang Wei ran off".into()));
        assert_eq!(
            auditor.resolution,
            Some(Shown::Value("found at gate 3".into()))
        );
    }
}
