//! Who sees which personal field: one policy for every listing and export. A field is shown
//! to the roles whose work needs it and masked for everyone else, the anonymous reader (a
//! listing without `--reveal`, a log, a wall screen) included.

use closedloop_domain::traveler::mask;
use closedloop_store::desk::IncidentRow;
use closedloop_store::query::TravelerRecord;
use serde::{Deserialize, Serialize};

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

    /// `value`, or `masked(value)` when this viewer may not see `field`.
    fn show(self, field: PersonalField, value: &mut String, masked: impl Fn(&str) -> String) {
        if !self.sees(field) {
            *value = masked(value);
        }
    }

    fn show_opt(
        self,
        field: PersonalField,
        value: &mut Option<String>,
        masked: impl Fn(&str) -> String,
    ) {
        if let Some(v) = value {
            self.show(field, v, masked);
        }
    }

    /// A traveler as this viewer may see them.
    pub fn traveler(self, r: &mut TravelerRecord) {
        use PersonalField::*;
        self.show(Name, &mut r.full_name, mask_name);
        self.show(Document, &mut r.document_number, mask);
        self.show_opt(Phone, &mut r.phone, mask_phone);
        if !self.sees(BirthDate) {
            r.birth_date = None;
        }
        self.show_opt(Address, &mut r.destination_address, hidden);
        self.show(Health, &mut r.health, hidden);
        self.show(SpecialNeeds, &mut r.special_needs, |v| {
            if v.is_empty() {
                String::new()
            } else {
                hidden(v)
            }
        });
        self.show_opt(FamilyGroup, &mut r.family_group, hidden);
        self.show_opt(FreeText, &mut r.notes, hidden);
    }

    /// An incident as this viewer may see it: its description and resolution note name people.
    pub fn incident(self, r: &mut IncidentRow) {
        self.show(PersonalField::FreeText, &mut r.description, hidden);
        self.show_opt(PersonalField::FreeText, &mut r.resolution, hidden);
    }
}

fn hidden(_: &str) -> String {
    "***".into()
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
        for f in [
            Name,
            Document,
            Phone,
            BirthDate,
            Address,
            Health,
            SpecialNeeds,
            FamilyGroup,
            FreeText,
        ] {
            assert!(!Viewer::ANONYMOUS.sees(f));
            assert!(Viewer::SHELL_REVEAL.sees(f));
        }
        let driver = Viewer(Some(AccessRole::Driver));
        assert!(driver.sees(Name) && driver.sees(Address));
        assert!(!driver.sees(Document) && !driver.sees(Health));
        assert!(!Viewer(Some(AccessRole::Commander)).sees(Name));
    }
}
