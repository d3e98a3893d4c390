//! Errors in `config/checklists.toml` and `config/gates.toml`. Each names the template and item
//! (or the gate) it is about and says what to write instead, in both languages: an office's
//! administrator edits these files, not a developer.

use crate::text::both;
use closedloop_domain::Lang;
use std::fmt;

/// What is wrong, without where; [`ConfigError`] adds where.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigProblem {
    /// The TOML does not parse or has the wrong shape; the detail is the parser's (with line).
    Syntax(String),
    NoTemplates,
    /// A check-list kind has no template at all, so it could never be completed.
    KindMissing(&'static str),
    NoItems,
    /// A text field (`zh`, `en`) is empty.
    EmptyText(&'static str),
    /// A `zh` text has no Chinese character.
    NotChinese(String),
    DuplicateVersion(String),
    DuplicateItem,
    BadKey,
    /// A field that does not belong to this item type, e.g. `min` on a yes/no item.
    FieldNotForType {
        field: &'static str,
        item_type: &'static str,
    },
    BadLimits {
        min: f64,
        max: f64,
    },
    ZeroValidity(&'static str),
    DuplicateGate,
    DuplicateRequirement(&'static str),
    BadOffset(String),
}

impl ConfigProblem {
    pub fn message(&self, lang: Lang) -> String {
        use ConfigProblem::*;
        match (self, lang) {
            (Syntax(d), Lang::En) => format!("cannot be read: {d}"),
            (Syntax(d), Lang::ZhCn) => format!("无法读取：{d}"),
            (NoTemplates, Lang::En) => "has no [[template]]: add at least one".into(),
            (NoTemplates, Lang::ZhCn) => "没有任何 [[template]]：请至少添加一个".into(),
            (KindMissing(k), Lang::En) => {
                format!("no template of kind {k:?}: add a [[template]] with kind = {k:?}")
            }
            (KindMissing(k), Lang::ZhCn) => {
                format!("缺少类型为 {k:?} 的清单模板：请添加 kind = {k:?} 的 [[template]]")
            }
            (NoItems, Lang::En) => "has no [[template.item]]: add the items to check".into(),
            (NoItems, Lang::ZhCn) => "没有任何检查项 [[template.item]]：请添加".into(),
            (EmptyText(f), Lang::En) => format!("{f} is empty: write the text"),
            (EmptyText(f), Lang::ZhCn) => format!("{f} 为空：请填写文字"),
            (NotChinese(v), Lang::En) => {
                format!("zh = {v:?} has no Chinese character: write the Chinese wording")
            }
            (NotChinese(v), Lang::ZhCn) => format!("zh = {v:?} 不含中文：请填写中文表述"),
            (DuplicateVersion(d), Lang::En) => format!(
                "another version of this kind also starts on {d}: give each version its own effective_from"
            ),
            (DuplicateVersion(d), Lang::ZhCn) => {
                format!("同类清单的另一版本也从 {d} 生效：每个版本的 effective_from 须不同")
            }
            (DuplicateItem, Lang::En) => {
                "the key is used twice in this template: give each item its own key".into()
            }
            (DuplicateItem, Lang::ZhCn) => "该模板中此 key 重复：每个检查项的 key 须唯一".into(),
            (BadKey, Lang::En) => {
                "the key must be lower-case ASCII letters, digits and '_' (e.g. body_temperature)"
                    .into()
            }
            (BadKey, Lang::ZhCn) => {
                "key 只能由小写英文字母、数字和 '_' 组成（如 body_temperature）".into()
            }
            (FieldNotForType { field, item_type }, Lang::En) => {
                format!("{field} does not apply to a {item_type} item: remove it or change type")
            }
            (FieldNotForType { field, item_type }, Lang::ZhCn) => {
                format!("{field} 不适用于 {item_type} 类型的检查项：请删除或修改 type")
            }
            (BadLimits { min, max }, Lang::En) => {
                format!("min {min} and max {max} must be finite numbers with min <= max")
            }
            (BadLimits { min, max }, Lang::ZhCn) => {
                format!("下限 {min} 与上限 {max} 须为有限数值，且下限不大于上限")
            }
            (ZeroValidity(f), Lang::En) => format!("{f} must be at least 1 (day or hour)"),
            (ZeroValidity(f), Lang::ZhCn) => format!("{f} 至少为 1（天或小时）"),
            (DuplicateGate, Lang::En) => {
                "this transition has two [[gate]] entries: merge their requirements".into()
            }
            (DuplicateGate, Lang::ZhCn) => "该状态转换有两个 [[gate]]：请合并其要求".into(),
            (DuplicateRequirement(c), Lang::En) => {
                format!("check = {c:?} is listed twice: keep one")
            }
            (DuplicateRequirement(c), Lang::ZhCn) => format!("check = {c:?} 重复：请只保留一个"),
            (BadOffset(v), Lang::En) => {
                format!("utc_offset = {v:?} is not an offset such as \"+08:00\"")
            }
            (BadOffset(v), Lang::ZhCn) => {
                format!("utc_offset = {v:?} 不是时区偏移，应如 \"+08:00\"")
            }
        }
    }
}

/// A configuration error: where (template and item, or gate) and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ConfigError {
    /// `checklists.toml` or `gates.toml`, so a message read alone still says which file.
    pub file: &'static str,
    /// "template vehicle_inspection 2021-06", "gate departed", … or empty for the whole file.
    pub place: String,
    /// The item key, when the problem is one item's.
    pub item: Option<String>,
    pub problem: ConfigProblem,
}

impl ConfigError {
    pub(crate) fn new(
        file: &'static str,
        place: impl Into<String>,
        problem: ConfigProblem,
    ) -> Self {
        ConfigError {
            file,
            place: place.into(),
            item: None,
            problem,
        }
    }

    pub(crate) fn item(mut self, key: &str) -> Self {
        self.item = Some(key.to_string());
        self
    }

    pub fn message(&self, lang: Lang) -> String {
        let mut out = self.file.to_string();
        if !self.place.is_empty() {
            out.push_str(&format!(", {}", self.place));
        }
        if let Some(item) = &self.item {
            out.push_str(lang.pick(", item ", "，检查项 "));
            out.push_str(&format!("{item:?}"));
        }
        out.push_str(lang.pick(": ", "："));
        out.push_str(&self.problem.message(lang));
        out
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        both(f, |lang| self.message(lang))
    }
}
