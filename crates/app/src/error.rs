//! What a use case refuses or fails with: a stable code (it becomes the web API's problem
//! type), the field or row at fault when there is one, and text in English and zh-CN. Advice
//! about commands belongs to the adapters, not here.

use closedloop_domain::Lang;
use closedloop_store::StoreError;
use closedloop_store::desk::DeskError;
use std::path::Path;

/// A failure described for people: code, the field at fault, both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: &'static str,
    pub field: Option<String>,
    pub en: String,
    pub zh: String,
}

impl Fault {
    pub fn new(code: &'static str, en: impl Into<String>, zh: impl Into<String>) -> Fault {
        Fault {
            code,
            field: None,
            en: en.into(),
            zh: zh.into(),
        }
    }

    pub fn at(mut self, field: impl Into<String>) -> Fault {
        self.field = Some(field.into());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself is wrong (a field, a file's contents): nothing was changed.
    #[error("{}", .0.en)]
    Invalid(Fault),
    /// The configuration or a file it names is unusable.
    #[error("{}", .0.en)]
    Config(Fault),
    /// The ledger's key file is missing or malformed.
    #[error("{}", .0.en)]
    Keys(Fault),
    /// Something the request names does not exist, or there is nothing to act on.
    #[error("{}", .0.en)]
    NotFound(Fault),
    /// The caller edited a version of the object that is no longer current (HTTP's If-Match):
    /// nothing was changed; `current` is the version to read again.
    #[error("{}", .fault.en)]
    Stale {
        fault: Fault,
        current: crate::version::Version,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path)]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No caller, or not one the service knows: no credentials, a session or token expired or
    /// revoked, a failed login (the web service's 401).
    #[error("{}", .0.en)]
    Unauthenticated(Fault),
    /// The caller is known but their role, or the object they name, is not theirs (403).
    #[error("{}", .0.en)]
    Forbidden(Fault),
    /// The stored state disagrees with what the request needs (the ledger does not verify
    /// under a report, for one): nothing was changed; the request may succeed once the state
    /// is repaired (409).
    #[error("{}", .0.en)]
    Conflict(Fault),
    /// Too many failed attempts: refused without trying, for `retry_after` seconds (429).
    #[error("{}", .fault.en)]
    TooManyAttempts { fault: Fault, retry_after: u64 },
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(code: &'static str, en: impl Into<String>, zh: impl Into<String>) -> AppError {
        AppError::Invalid(Fault::new(code, en, zh))
    }

    pub fn config(en: impl Into<String>, zh: impl Into<String>) -> AppError {
        AppError::Config(Fault::new("config_invalid", en, zh))
    }

    pub fn not_found(code: &'static str, en: impl Into<String>, zh: impl Into<String>) -> AppError {
        AppError::NotFound(Fault::new(code, en, zh))
    }

    pub fn io(path: &Path, source: std::io::Error) -> AppError {
        AppError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// The same failure, naming the field at fault.
    pub fn with_field(mut self, field: &str) -> AppError {
        if let AppError::Invalid(f)
        | AppError::Config(f)
        | AppError::Keys(f)
        | AppError::NotFound(f)
        | AppError::Unauthenticated(f)
        | AppError::Forbidden(f)
        | AppError::Conflict(f)
        | AppError::TooManyAttempts { fault: f, .. } = &mut self
        {
            f.field = Some(field.to_string());
        }
        self
    }

    /// The stable code: snake_case, never reworded once published.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(f)
            | AppError::Config(f)
            | AppError::Keys(f)
            | AppError::NotFound(f)
            | AppError::Unauthenticated(f)
            | AppError::Forbidden(f)
            | AppError::Conflict(f)
            | AppError::TooManyAttempts { fault: f, .. } => f.code,
            AppError::Stale { fault, .. } => fault.code,
            AppError::Io { .. } => "io",
            AppError::Store(e) => e.code(),
        }
    }

    /// The field or row at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid(f)
            | AppError::Config(f)
            | AppError::Keys(f)
            | AppError::NotFound(f)
            | AppError::Unauthenticated(f)
            | AppError::Forbidden(f)
            | AppError::Conflict(f)
            | AppError::TooManyAttempts { fault: f, .. } => f.field.as_deref(),
            AppError::Stale { fault, .. } => fault.field.as_deref(),
            _ => None,
        }
    }

    /// The desk's refusal, when that is what this is.
    pub fn desk(&self) -> Option<&DeskError> {
        match self {
            AppError::Store(e) => e.desk(),
            _ => None,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Invalid(f)
            | AppError::Config(f)
            | AppError::Keys(f)
            | AppError::NotFound(f)
            | AppError::Unauthenticated(f)
            | AppError::Forbidden(f)
            | AppError::Conflict(f)
            | AppError::TooManyAttempts { fault: f, .. } => lang.pick(&f.en, &f.zh).to_string(),
            AppError::Stale { fault, .. } => lang.pick(&fault.en, &fault.zh).to_string(),
            AppError::Io { path, source } => match lang {
                Lang::En => format!("{path}: {source}"),
                Lang::ZhCn => format!("{path}：无法读写（{source}）"),
            },
            AppError::Store(e) => e.message(lang),
        }
    }
}

impl From<DeskError> for AppError {
    fn from(e: DeskError) -> AppError {
        AppError::Store(e.into())
    }
}

impl From<closedloop_domain::DomainError> for AppError {
    fn from(e: closedloop_domain::DomainError) -> AppError {
        AppError::Invalid(Fault::new(
            "invalid_value",
            e.message(Lang::En),
            e.message(Lang::ZhCn),
        ))
    }
}

/// A manifest that cannot be read as a whole (not found, wrong encoding, empty, unknown type,
/// no header, no rows): its own code, in both languages. Nothing was imported.
impl From<closedloop_intake::IntakeError> for AppError {
    fn from(e: closedloop_intake::IntakeError) -> AppError {
        let fault = Fault::new(e.code(), e.message(Lang::En), e.message(Lang::ZhCn));
        if e.code() == "manifest_not_found" {
            AppError::NotFound(fault)
        } else {
            AppError::Invalid(fault)
        }
    }
}
