//! Settings: `config/closedloop.toml` (or `--config FILE`), then environment, then flags.
//! Without a config file the copies built into the binary apply, so `closedloop` works from
//! any directory.

use anyhow::{Context, Result};
use closedloop_domain::policy::PolicyBook;
use closedloop_domain::port::PortDirectory;
use closedloop_store::DatabaseUrl;
use serde::Deserialize;
use std::path::{Path, PathBuf};

const BUILTIN_PORTS: &str = include_str!("../config/ports.toml");
const BUILTIN_POLICY: &str = include_str!("../config/policy.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    ports: Option<PathBuf>,
    policy: Option<PathBuf>,
    default_country_code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub ports: PortDirectory,
    pub policy: PolicyBook,
    pub default_country_code: String,
    /// Where settings came from, for `closedloop db status`.
    pub source: String,
}

impl Config {
    /// Loads `explicit` if given (it must exist), else `config/closedloop.toml` if present,
    /// else the built-in defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let default = Path::new("config/closedloop.toml");
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => default.exists().then(|| default.to_path_buf()),
        };
        let Some(path) = path else {
            return Ok(Config {
                data_dir: PathBuf::from("data"),
                database_url: None,
                ports: PortDirectory::from_toml(BUILTIN_PORTS).context("built-in ports")?,
                policy: PolicyBook::from_toml(BUILTIN_POLICY).context("built-in policy")?,
                default_country_code: "86".into(),
                source: "built-in defaults".into(),
            });
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        let file: FileConfig = toml::from_str(&text)
            .with_context(|| format!("configuration file {}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let read = |p: Option<PathBuf>, builtin: &'static str| -> Result<String> {
            match p {
                Some(p) => {
                    let full = dir.join(&p);
                    std::fs::read_to_string(&full)
                        .with_context(|| format!("cannot read {}", full.display()))
                }
                None => Ok(builtin.to_string()),
            }
        };
        let ports = PortDirectory::from_toml(&read(file.ports.clone(), BUILTIN_PORTS)?)
            .with_context(|| format!("ports file named in {}", path.display()))?;
        let policy = PolicyBook::from_toml(&read(file.policy.clone(), BUILTIN_POLICY)?)
            .with_context(|| format!("policy file named in {}", path.display()))?;
        let code = file.default_country_code.unwrap_or_else(|| "86".into());
        anyhow::ensure!(
            (1..=3).contains(&code.len())
                && code.chars().all(|c| c.is_ascii_digit())
                && !code.starts_with('0'),
            "{}: default_country_code {code:?} must be a calling code such as \"86\"",
            path.display()
        );
        Ok(Config {
            data_dir: dir.join(file.data_dir.unwrap_or_else(|| PathBuf::from("../data"))),
            database_url: file.database_url,
            ports,
            policy,
            default_country_code: code,
            source: path.display().to_string(),
        })
    }

    /// `--database-url`, else `DATABASE_URL` (both handled by clap), else the config file's,
    /// else the embedded SQLite file in the data directory.
    pub fn database_url(&self, flag: Option<&str>) -> Result<DatabaseUrl> {
        let raw = match flag.or(self.database_url.as_deref()) {
            Some(u) => u.to_string(),
            None => self.data_dir.join("closedloop.db").display().to_string(),
        };
        Ok(DatabaseUrl::parse(&raw)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_defaults_parse() {
        assert!(
            PortDirectory::from_toml(BUILTIN_PORTS)
                .unwrap()
                .find("PVG")
                .is_some()
        );
        assert!(PolicyBook::from_toml(BUILTIN_POLICY).is_ok());
    }
}
