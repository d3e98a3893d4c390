//! The database is chosen by URL: `postgres://…` is PostgreSQL, anything else a SQLite file.

use crate::StoreError;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// A mistyped scheme ("postgre://", "mysql://") is an error rather than a SQLite file
    /// quietly created under that odd name.
    pub fn parse(raw: &str) -> Result<Self, StoreError> {
        let s = raw.trim();
        let bad = |reason: &str| StoreError::BadUrl {
            url: raw.to_string(),
            reason: reason.to_string(),
        };
        if s.is_empty() {
            return Err(bad(
                "empty: give postgres://user:password@host/db or a SQLite file path",
            ));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(s.to_string()));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .or_else(|| s.strip_prefix("file:"))
            .unwrap_or(s);
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(bad(&format!(
                "unknown scheme {scheme:?}: use postgres:// for PostgreSQL, or sqlite:// or a plain path for SQLite"
            )));
        }
        if path.is_empty() || path == ":memory:" {
            return Err(bad("a SQLite database needs a file path"));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// The URL with any password hidden, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => p.display().to_string(),
            DatabaseUrl::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let creds = &u[s + 3..at];
                    let user = creds.split(':').next().unwrap_or("");
                    format!("{}{}:***{}", &u[..s + 3], user, &u[at..])
                }
                _ => u.clone(),
            },
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_the_backend_by_scheme() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://a:b@127.0.0.1/x"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("x.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("x.db"))
        );
        assert!(DatabaseUrl::parse("postgre://a@b/c").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    #[test]
    fn hides_the_password() {
        let u = DatabaseUrl::parse("postgres://me:secret@127.0.0.1:5432/db").unwrap();
        assert_eq!(u.redacted(), "postgres://me:***@127.0.0.1:5432/db");
    }
}
