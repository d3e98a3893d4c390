//! Check-lists as data: the six check-lists of the "365" practice (plus the crew's daily health
//! check) ship as versioned templates in `config/checklists.toml`, so an office changes an item
//! or a temperature limit by editing a file, never code.

use crate::error::{ConfigError, ConfigProblem};
use crate::text::{Bilingual, has_chinese};
use chrono::NaiveDate;
use closedloop_domain::vocabulary;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

const FILE: &str = "checklists.toml";
const BUILTIN: &str = include_str!("../../../config/checklists.toml");

vocabulary! {
    /// Which check-list a template or a completed instance is.
    ChecklistKind, "check-list", "one of the check-list kinds of config/checklists.toml" {
        /// 行前培训考核: epidemic protection and traffic safety, passed before assignment.
        PreTripTraining => "pre_trip_training", "pre-trip training and assessment", "行前培训考核";
        /// 轮换交接: the outgoing shift briefs the incoming one.
        RotationHandover => "rotation_handover", "rotation handover", "轮换交接";
        /// 转运车辆日常检查.
        VehicleInspection => "vehicle_inspection", "daily vehicle inspection", "转运车辆日常检查";
        /// 卫生防疫检查: disinfection and protective kit, after each trip.
        Sanitation => "sanitation", "sanitation and disinfection", "卫生防疫检查";
        /// 转运发车前提醒: crew briefed, travelers notified in their language.
        PreDepartureReminder => "pre_departure_reminder", "pre-departure reminder", "转运发车前提醒";
        /// 转运人员交接: head-count, identities, signatures at each stop.
        PersonnelHandover => "personnel_handover", "personnel hand-over", "转运人员交接";
        /// Front-line staff's daily health monitoring; not one of the six lists, but the
        /// departure gate needs it recorded like one.
        CrewHealth => "crew_health", "crew daily health check", "工作人员每日健康监测";
    }
}

/// What an instance of a check-list is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    CrewMember,
    ShiftChange,
    VehicleDay,
    VehicleAfterTrip,
    Batch,
    Stop,
}

impl ChecklistKind {
    pub fn subject(self) -> SubjectKind {
        match self {
            ChecklistKind::PreTripTraining | ChecklistKind::CrewHealth => SubjectKind::CrewMember,
            ChecklistKind::RotationHandover => SubjectKind::ShiftChange,
            ChecklistKind::VehicleInspection => SubjectKind::VehicleDay,
            ChecklistKind::Sanitation => SubjectKind::VehicleAfterTrip,
            ChecklistKind::PreDepartureReminder => SubjectKind::Batch,
            ChecklistKind::PersonnelHandover => SubjectKind::Stop,
        }
    }
}

/// What kind of answer an item takes, and what passes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    /// Passes when answered, and when `expect` is set, only with that answer.
    YesNo { expect: Option<bool> },
    /// Passes within the limits, both included (36.0–37.2 °C passes 37.2).
    Number {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
    },
    /// Passes with at least `min_chars` characters after trimming.
    Text { min_chars: u32 },
    /// A reference to a photo the phone uploaded (its storage key); passes when not blank.
    Photo,
}

impl ItemKind {
    pub fn type_code(&self) -> &'static str {
        match self {
            ItemKind::YesNo { .. } => "yes_no",
            ItemKind::Number { .. } => "number",
            ItemKind::Text { .. } => "text",
            ItemKind::Photo => "photo",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable within a template: answers are stored by key.
    pub key: String,
    pub label: Bilingual,
    pub kind: ItemKind,
    /// An optional item may be left unanswered; an answer given must still pass.
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub kind: ChecklistKind,
    /// A name desks recognise, e.g. "2021-06"; stored with each instance.
    pub version: String,
    /// The first day this version is used.
    pub effective_from: NaiveDate,
    pub title: Bilingual,
    pub items: Vec<Item>,
}

impl Template {
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.key == key)
    }

    /// "template vehicle_inspection 2021-06", as errors name it.
    pub fn place(&self) -> String {
        format!("template {} {}", self.kind.code(), self.version)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    #[serde(default)]
    template: Vec<RawTemplate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    kind: ChecklistKind,
    version: String,
    effective_from: NaiveDate,
    zh: String,
    en: String,
    #[serde(default)]
    item: Vec<RawItem>,
}

/// An item as written: one flat table, so that a wrong field for the type (say `min` on a
/// yes/no item) is reported by name instead of silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    key: String,
    zh: String,
    en: String,
    #[serde(rename = "type")]
    item_type: RawType,
    required: Option<bool>,
    expect: Option<bool>,
    min: Option<f64>,
    max: Option<f64>,
    unit: Option<String>,
    min_chars: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawType {
    YesNo,
    Number,
    Text,
    Photo,
}

fn check_text(field: &'static str, value: &str, zh: bool) -> Result<(), ConfigProblem> {
    if value.trim().is_empty() {
        Err(ConfigProblem::EmptyText(field))
    } else if zh && !has_chinese(value) {
        Err(ConfigProblem::NotChinese(value.to_string()))
    } else {
        Ok(())
    }
}

fn bilingual(
    en_field: &'static str,
    zh_field: &'static str,
    en: String,
    zh: String,
) -> Result<Bilingual, ConfigProblem> {
    check_text(zh_field, &zh, true)?;
    check_text(en_field, &en, false)?;
    Ok(Bilingual::new(en.trim(), zh.trim()))
}

impl RawItem {
    fn validate(self) -> Result<Item, ConfigProblem> {
        let key_ok = !self.key.is_empty()
            && self
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            return Err(ConfigProblem::BadKey);
        }
        let label = bilingual("en", "zh", self.en, self.zh)?;
        let type_name = match self.item_type {
            RawType::YesNo => "yes_no",
            RawType::Number => "number",
            RawType::Text => "text",
            RawType::Photo => "photo",
        };
        let not_for = |field: &'static str| ConfigProblem::FieldNotForType {
            field,
            item_type: type_name,
        };
        let allowed: &[&str] = match self.item_type {
            RawType::YesNo => &["expect"],
            RawType::Number => &["min", "max", "unit"],
            RawType::Text => &["min_chars"],
            RawType::Photo => &[],
        };
        for (field, present) in [
            ("expect", self.expect.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("unit", self.unit.is_some()),
            ("min_chars", self.min_chars.is_some()),
        ] {
            if present && !allowed.contains(&field) {
                return Err(not_for(field));
            }
        }
        let kind = match self.item_type {
            RawType::YesNo => ItemKind::YesNo {
                expect: self.expect,
            },
            RawType::Number => {
                let lo = self.min.unwrap_or(f64::NEG_INFINITY);
                let hi = self.max.unwrap_or(f64::INFINITY);
                let finite =
                    self.min.is_none_or(f64::is_finite) && self.max.is_none_or(f64::is_finite);
                if !finite || lo > hi {
                    return Err(ConfigProblem::BadLimits { min: lo, max: hi });
                }
                ItemKind::Number {
                    min: self.min,
                    max: self.max,
                    unit: self.unit.filter(|u| !u.trim().is_empty()),
                }
            }
            RawType::Text => ItemKind::Text {
                min_chars: self.min_chars.unwrap_or(1),
            },
            RawType::Photo => ItemKind::Photo,
        };
        Ok(Item {
            key: self.key,
            label,
            kind,
            required: self.required.unwrap_or(true),
        })
    }
}

impl RawTemplate {
    fn validate(self) -> Result<Template, ConfigError> {
        let place = format!("template {} {}", self.kind.code(), self.version);
        let err = |p| ConfigError::new(FILE, place.clone(), p);
        if self.version.trim().is_empty() {
            return Err(err(ConfigProblem::EmptyText("version")));
        }
        let title = bilingual("en", "zh", self.en, self.zh).map_err(err)?;
        if self.item.is_empty() {
            return Err(err(ConfigProblem::NoItems));
        }
        let mut keys = HashSet::new();
        let mut items = Vec::with_capacity(self.item.len());
        for raw in self.item {
            let key = raw.key.clone();
            if !keys.insert(key.clone()) {
                return Err(err(ConfigProblem::DuplicateItem).item(&key));
            }
            items.push(raw.validate().map_err(|p| err(p).item(&key))?);
        }
        Ok(Template {
            kind: self.kind,
            version: self.version,
            effective_from: self.effective_from,
            title,
            items,
        })
    }
}

/// Every template version, each in force for its kind from `effective_from` until the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateBook {
    templates: Vec<Template>,
}

impl TemplateBook {
    /// Parses and validates the whole file; the first problem found is returned, naming its
    /// template and item.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let raw: RawBook = toml::from_str(text)
            .map_err(|e| ConfigError::new(FILE, "", ConfigProblem::Syntax(e.to_string())))?;
        if raw.template.is_empty() {
            return Err(ConfigError::new(FILE, "", ConfigProblem::NoTemplates));
        }
        let mut templates = raw
            .template
            .into_iter()
            .map(RawTemplate::validate)
            .collect::<Result<Vec<_>, _>>()?;
        templates.sort_by_key(|t| (t.kind, t.effective_from));
        if let Some(w) = templates
            .windows(2)
            .find(|w| w[0].kind == w[1].kind && w[0].effective_from == w[1].effective_from)
        {
            return Err(ConfigError::new(
                FILE,
                w[1].place(),
                ConfigProblem::DuplicateVersion(w[1].effective_from.to_string()),
            ));
        }
        for kind in ChecklistKind::ALL {
            if !templates.iter().any(|t| t.kind == *kind) {
                return Err(ConfigError::new(
                    FILE,
                    "",
                    ConfigProblem::KindMissing(kind.code()),
                ));
            }
        }
        Ok(TemplateBook { templates })
    }

    /// The copy of `config/checklists.toml` built into the binary.
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN).expect("the built-in config/checklists.toml is valid (tested)")
    }

    /// The version of a kind in force on a day; before its first version, none is.
    pub fn in_force(&self, kind: ChecklistKind, day: NaiveDate) -> Option<&Template> {
        self.templates
            .iter()
            .rev()
            .find(|t| t.kind == kind && t.effective_from <= day)
    }

    /// A stored instance names its template by kind and version.
    pub fn get(&self, kind: ChecklistKind, version: &str) -> Option<&Template> {
        self.templates
            .iter()
            .find(|t| t.kind == kind && t.version == version)
    }

    pub fn templates(&self) -> &[Template] {
        &self.templates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
        [[template]]
        kind = "vehicle_inspection"
        version = "v1"
        effective_from = "2021-01-01"
        zh = "车辆检查"
        en = "Vehicle inspection"
        [[template.item]]
        key = "brakes"
        zh = "制动正常"
        en = "Brakes work"
        type = "yes_no"
        expect = true
    "#;

    fn err(text: &str) -> ConfigError {
        let raw: RawBook = toml::from_str(text).unwrap();
        raw.template
            .into_iter()
            .map(RawTemplate::validate)
            .collect::<Result<Vec<_>, _>>()
            .unwrap_err()
    }

    #[test]
    fn errors_name_template_and_item() {
        let e = err(&ONE.replace("expect = true", "min = 1.0"));
        assert_eq!(e.place, "template vehicle_inspection v1");
        assert_eq!(e.item.as_deref(), Some("brakes"));
        assert!(
            e.to_string()
                .contains("min does not apply to a yes_no item"),
            "{e}"
        );
        assert!(e.to_string().contains("检查项 \"brakes\""), "{e}");

        let e = err(&ONE.replace("zh = \"制动正常\"", "zh = \"Brakes\""));
        assert!(matches!(e.problem, ConfigProblem::NotChinese(_)), "{e}");
        let e = err(&ONE.replace("key = \"brakes\"", "key = \"Brakes!\""));
        assert_eq!(e.problem, ConfigProblem::BadKey);
    }

    #[test]
    fn a_book_needs_every_kind() {
        let e = TemplateBook::from_toml(ONE).unwrap_err();
        assert!(matches!(e.problem, ConfigProblem::KindMissing(_)), "{e}");
    }
}
