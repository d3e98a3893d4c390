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

    /// The SQLite file as a read-only URI for `sqlite3_open_v2` (diesel opens with
    /// `SQLITE_OPEN_URI`): `mode=ro`; with `immutable`, `immutable=1` too, telling SQLite that
    /// nobody writes the file, so it needs neither locks nor a `-shm` file (for a read-only
    /// directory). `%`, `?` and `#` in the path are escaped; an absolute path gets an empty
    /// authority (`file:///…`). `None` if the path is not UTF-8.
    pub fn sqlite_read_only_uri(path: &std::path::Path, immutable: bool) -> Option<String> {
        let raw = path.to_str()?;
        let mut uri = String::from(if raw.starts_with('/') {
            "file://"
        } else {
            "file:"
        });
        for c in raw.chars() {
            match c {
                '%' => uri.push_str("%25"),
                '?' => uri.push_str("%3f"),
                '#' => uri.push_str("%23"),
                c => uri.push(c),
            }
        }
        uri.push_str(if immutable {
            "?mode=ro&immutable=1"
        } else {
            "?mode=ro"
        });
        Some(uri)
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
    fn sqlite_uris_escape_the_path() {
        use std::path::Path;
        assert_eq!(
            DatabaseUrl::sqlite_read_only_uri(Path::new("/tmp/a?b#c%d.db"), false).unwrap(),
            "file:///tmp/a%3fb%23c%25d.db?mode=ro"
        );
        assert_eq!(
            DatabaseUrl::sqlite_read_only_uri(Path::new("data/x.db"), true).unwrap(),
            "file:data/x.db?mode=ro&immutable=1"
        );
    }

    #[test]
    fn hides_the_password() {
        let u = DatabaseUrl::parse("postgres://me:secret@127.0.0.1:5432/db").unwrap();
        assert_eq!(u.redacted(), "postgres://me:***@127.0.0.1:5432/db");
    }
}
