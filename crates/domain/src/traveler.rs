//! Travelers: who arrives, their identity document, health status and special needs.

use crate::DomainError;
use crate::country::Country;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

vocabulary! {
    Sex, "sex", "male/男 or female/女" {
        Male => "male", "male", "男", ["m", "男性"];
        Female => "female", "female", "女", ["f", "女性"];
        Unknown => "unknown", "unknown", "未知", ["u", "x", "不详", "其他"];
    }
}

vocabulary! {
    /// The identity document a traveler crossed the border with.
    DocumentType, "document type", "passport/护照, 港澳通行证, 台胞证, 身份证, 永居证 or other/其他" {
        Passport => "passport", "passport", "护照", ["p", "普通护照", "passportno"];
        HkMoPermit => "hk_mo_permit", "Mainland Travel Permit for HK/Macao Residents", "港澳居民来往内地通行证", ["回乡证", "港澳通行证", "港澳居民通行证", "home return permit"];
        TwPermit => "tw_permit", "Mainland Travel Permit for Taiwan Residents", "台湾居民来往大陆通行证", ["台胞证", "台湾通行证"];
        IdCard => "id_card", "Resident Identity Card", "居民身份证", ["身份证", "id", "idcard", "identity card"];
        PermanentResidence => "permanent_residence", "Foreign Permanent Resident ID Card", "外国人永久居留身份证", ["永居证", "永久居留证", "green card"];
        Other => "other", "other", "其他", ["其它"];
    }
}

vocabulary! {
    /// Health status at intake; drives vehicle kind and destination.
    HealthStatus, "health", "normal/正常, symptomatic/有症状, positive/阳性 or close contact/密接" {
        Normal => "normal", "normal", "正常", ["健康", "无异常", "无症状", "ok", "healthy", "良好"];
        Symptomatic => "symptomatic", "symptomatic", "有症状", ["发热", "发烧", "症状", "fever", "异常"];
        Positive => "positive", "positive", "阳性", ["确诊", "核酸阳性", "confirmed"];
        CloseContact => "close_contact", "close contact", "密切接触者", ["密接", "次密接", "close contact"];
    }
}

vocabulary! {
    /// Groups that need a plan of their own (老弱病残孕) and a family travelling together.
    SpecialNeed, "special needs", "elderly, child, pregnant, wheelchair, escort or family" {
        Elderly => "elderly", "elderly", "老人", ["老年人", "高龄", "年长", "old"];
        Child => "child", "child", "儿童", ["小孩", "未成年", "婴儿", "minor", "infant"];
        Pregnant => "pregnant", "pregnant", "孕妇", ["怀孕", "孕"];
        Wheelchair => "wheelchair", "wheelchair", "轮椅", ["坐轮椅", "残疾", "行动不便", "disabled"];
        NeedsEscort => "needs_escort", "needs escort", "需陪同", ["陪同", "陪护", "需陪护", "escort"];
        FamilyGroup => "family_group", "family group", "家庭", ["家庭成员", "同行家属", "家属", "family"];
    }
}

/// A set of special needs, stored as a comma-separated list of codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SpecialNeeds(u8);

impl SpecialNeeds {
    fn bit(n: SpecialNeed) -> u8 {
        1 << SpecialNeed::ALL.iter().position(|x| *x == n).unwrap_or(0)
    }
    pub fn insert(&mut self, n: SpecialNeed) {
        self.0 |= Self::bit(n);
    }
    pub fn contains(&self, n: SpecialNeed) -> bool {
        self.0 & Self::bit(n) != 0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = SpecialNeed> + '_ {
        SpecialNeed::ALL
            .iter()
            .copied()
            .filter(|n| self.contains(*n))
    }
    /// "elderly,wheelchair" — the stored form.
    pub fn to_codes(&self) -> String {
        self.iter()
            .map(SpecialNeed::code)
            .collect::<Vec<_>>()
            .join(",")
    }
    pub fn from_codes(s: &str) -> Result<Self, DomainError> {
        let mut set = SpecialNeeds::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            set.insert(part.parse()?);
        }
        Ok(set)
    }
    /// Finds the needs named anywhere in a free-text note ("老人，坐轮椅，需陪同").
    pub fn scan_note(note: &str) -> SpecialNeeds {
        let lower = note.to_lowercase();
        let mut set = SpecialNeeds::default();
        for need in SpecialNeed::ALL {
            if need
                .words()
                .iter()
                .any(|w| w.chars().count() > 1 && lower.contains(&w.to_lowercase()))
            {
                set.insert(*need);
            }
        }
        set
    }
}

/// Written as its stored form, the comma-separated codes ("elderly,wheelchair"; "" for none).
impl std::fmt::Display for SpecialNeeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_codes())
    }
}

impl std::str::FromStr for SpecialNeeds {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, DomainError> {
        SpecialNeeds::from_codes(s)
    }
}

/// Serialised as the stored form: the comma-separated codes, `""` for none.
impl Serialize for SpecialNeeds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_codes())
    }
}

impl<'de> Deserialize<'de> for SpecialNeeds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        SpecialNeeds::from_codes(&s).map_err(serde::de::Error::custom)
    }
}

vocabulary! {
    /// Where the policy sends a traveler.
    DestinationKind, "destination type", "hotel/集中隔离, home/居家隔离 or hospital/医院" {
        Hotel => "hotel", "quarantine hotel", "集中隔离", ["酒店", "隔离酒店", "集中隔离酒店", "集中", "quarantine hotel", "centralised quarantine"];
        Home => "home", "home quarantine", "居家隔离", ["居家", "居家健康监测", "回家", "home quarantine", "home"];
        Hospital => "hospital", "designated hospital", "定点医院", ["医院", "送医", "hospital"];
    }
}

/// An identity document: type and number. The number is the traveler's key across manifests.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Document {
    pub kind: DocumentType,
    pub number: String,
}

impl Document {
    pub fn new(kind: DocumentType, number: &str) -> Result<Self, DomainError> {
        let ok = (4..=32).contains(&number.len())
            && number
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(DomainError::Invalid {
                field: "document number",
                value: number.to_string(),
                expected: "4 to 32 letters or digits",
            });
        }
        if kind == DocumentType::IdCard && !valid_resident_id(number) {
            return Err(DomainError::Invalid {
                field: "document number",
                value: number.to_string(),
                expected: "an 18-character resident ID with a valid check digit",
            });
        }
        Ok(Document {
            kind,
            number: number.to_string(),
        })
    }

    /// The number with all but the first two and last two characters hidden: "E1*****78".
    pub fn masked(&self) -> String {
        mask(&self.number)
    }
}

/// Hides the middle of an identifier; personal data is masked by default everywhere.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..2].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - 4));
    out.extend(&chars[chars.len() - 2..]);
    out
}

/// GB 11643 check digit of an 18-character resident identity number.
fn valid_resident_id(n: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = n.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == b[17]
}

/// A traveler as the desk knows them at intake.
#[derive(Debug, Clone, PartialEq)]
pub struct Traveler {
    pub name: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub nationality: &'static Country,
    pub document: Document,
    /// E.164, "+8613812345678".
    pub phone: Option<String>,
    /// Preferred language, a short code ("zh", "en", "ja", "ko").
    pub language: Option<String>,
    pub health: HealthStatus,
    pub special_needs: SpecialNeeds,
    pub destination_kind: DestinationKind,
    pub destination_address: Option<String>,
    /// Travelers with the same group id ride together.
    pub family_group: Option<String>,
    pub notes: Option<String>,
}

impl Traveler {
    /// Age in whole years on a given day.
    pub fn age_on(&self, day: NaiveDate) -> Option<u32> {
        self.birth_date.and_then(|b| day.years_since(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_accept_both_languages() {
        assert_eq!("女".parse::<Sex>().unwrap(), Sex::Female);
        assert_eq!("M".parse::<Sex>().unwrap(), Sex::Male);
        assert_eq!(
            "密接".parse::<HealthStatus>().unwrap(),
            HealthStatus::CloseContact
        );
        assert_eq!(
            "Close Contact".parse::<HealthStatus>().unwrap(),
            HealthStatus::CloseContact
        );
        assert_eq!(
            "护照".parse::<DocumentType>().unwrap(),
            DocumentType::Passport
        );
        assert_eq!(
            "居家隔离".parse::<DestinationKind>().unwrap(),
            DestinationKind::Home
        );
        let e = "maybe".parse::<HealthStatus>().unwrap_err();
        assert!(e.to_string().contains("health"), "{e}");
    }

    #[test]
    fn special_needs_round_trip_and_scan() {
        let found = SpecialNeeds::scan_note("老人，坐轮椅，需陪同");
        assert!(found.contains(SpecialNeed::Elderly));
        assert!(found.contains(SpecialNeed::Wheelchair));
        assert!(found.contains(SpecialNeed::NeedsEscort));
        assert!(!found.contains(SpecialNeed::Pregnant));
        assert_eq!(SpecialNeeds::from_codes(&found.to_codes()).unwrap(), found);
    }

    #[test]
    fn special_needs_serialise_as_their_codes() {
        use toml::Value;
        let code = |n: &SpecialNeeds| Value::try_from(n).unwrap();
        let mut needs = SpecialNeeds::default();
        assert_eq!(code(&needs), Value::String(String::new()));
        needs.insert(SpecialNeed::Wheelchair);
        needs.insert(SpecialNeed::Elderly);
        assert_eq!(code(&needs), Value::String("elderly,wheelchair".into()));
        assert_eq!(needs.to_string(), "elderly,wheelchair");
        let back = SpecialNeeds::deserialize(Value::String("elderly,wheelchair".into())).unwrap();
        assert_eq!(back, needs);
        assert!(SpecialNeeds::deserialize(Value::String("elderly,flying".into())).is_err());
    }

    #[test]
    fn resident_id_check_digit() {
        assert!(Document::new(DocumentType::IdCard, "11010519491231002X").is_ok());
        assert!(Document::new(DocumentType::IdCard, "110105194912310021").is_err());
        assert!(Document::new(DocumentType::Passport, "E12345678").is_ok());
        assert!(Document::new(DocumentType::Passport, "E1").is_err());
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(mask("E12345678"), "E1*****78");
        assert_eq!(mask("abc"), "***");
    }
}
