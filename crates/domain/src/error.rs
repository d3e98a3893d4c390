//! Typed validation errors. Each names the field, the value and what a valid one looks like.

use crate::Lang;
use crate::excerpt::excerpt;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {} is not valid, expected {expected}", excerpt(.value))]
    Invalid {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field}: {value} is out of range {min}..={max}")]
    OutOfRange {
        field: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("batch {batch}: cannot {action} while {state}")]
    IllegalTransition {
        batch: String,
        action: &'static str,
        state: &'static str,
    },
    #[error("batch: {0}")]
    Batch(String),
    #[error("policy: {0}")]
    Policy(String),
}

impl DomainError {
    /// The message in the desk's language.
    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, _) => self.to_string(),
            (
                Lang::ZhCn,
                DomainError::Invalid {
                    field,
                    value,
                    expected,
                },
            ) => {
                format!("{field}：{} 无效，应为 {expected}", excerpt(value))
            }
            (Lang::ZhCn, DomainError::Missing { field }) => format!("{field} 为必填项"),
            (
                Lang::ZhCn,
                DomainError::OutOfRange {
                    field,
                    value,
                    min,
                    max,
                },
            ) => {
                format!("{field}：{value} 超出范围 {min}..={max}")
            }
            (
                Lang::ZhCn,
                DomainError::IllegalTransition {
                    batch,
                    action,
                    state,
                },
            ) => {
                format!("批次 {batch}：当前状态为 {state}，不能执行 {action}")
            }
            (Lang::ZhCn, DomainError::Batch(m)) => format!("批次：{m}"),
            (Lang::ZhCn, DomainError::Policy(m)) => format!("隔离政策：{m}"),
        }
    }
}
