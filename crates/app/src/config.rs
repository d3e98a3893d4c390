//! Settings: `config/closedloop.toml` (or `--config FILE`), then environment, then flags.
//! Without a config file the copies built into the binary apply, so `closedloop` works from
//! any directory.

use crate::error::{AppError, AppResult as Result};
use chrono::{Days, NaiveDate, TimeDelta};
use closedloop_domain::policy::PolicyBook;
use closedloop_domain::port::PortDirectory;
use closedloop_handover::{GateBook, TemplateBook};
use closedloop_intake::IntakeLimits;
use closedloop_store::DatabaseUrl;
use serde::Deserialize;
use std::path::{Path, PathBuf};

const BUILTIN_PORTS: &str = include_str!("../../../config/ports.toml");
const BUILTIN_POLICY: &str = include_str!("../../../config/policy.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    ports: Option<PathBuf>,
    policy: Option<PathBuf>,
    default_country_code: Option<String>,
    roads: Option<FileRoads>,
    ledger: Option<FileLedger>,
    handover: Option<FileHandover>,
    intake: Option<FileIntake>,
    geocoder: Option<crate::geocode::FileGeocoder>,
    notify: Option<crate::notify::FileNotify>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIntake {
    max_name_chars: Option<usize>,
    max_text_chars: Option<usize>,
    earliest_arrival: Option<String>,
    arrival_days_ahead: Option<u32>,
}

/// What a manifest may hold (`[intake]`): a longer value or an arrival outside the window is a
/// row error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeSettings {
    pub max_name_chars: usize,
    pub max_text_chars: usize,
    pub earliest_arrival: NaiveDate,
    /// Arrivals more than this many days after today are refused.
    pub arrival_days_ahead: u32,
}

impl IntakeSettings {
    fn from_file(file: FileIntake) -> Result<IntakeSettings> {
        let earliest_arrival = match &file.earliest_arrival {
            None => IntakeLimits::EARLIEST_ARRIVAL,
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                AppError::config(
                    format!("[intake] earliest_arrival {d:?} must be a day such as \"2000-01-01\""),
                    format!("[intake] earliest_arrival {d:?} 须为日期，如 \"2000-01-01\""),
                )
            })?,
        };
        let s = IntakeSettings {
            max_name_chars: file.max_name_chars.unwrap_or(IntakeLimits::NAME_CHARS),
            max_text_chars: file.max_text_chars.unwrap_or(IntakeLimits::TEXT_CHARS),
            earliest_arrival,
            arrival_days_ahead: file.arrival_days_ahead.unwrap_or(IntakeLimits::DAYS_AHEAD),
        };
        ensure(
            (1..=100_000).contains(&s.max_name_chars) && (1..=100_000).contains(&s.max_text_chars),
            "[intake] max_name_chars and max_text_chars must be between 1 and 100000",
            "[intake] max_name_chars 与 max_text_chars 须在 1 至 100000 之间",
        )?;
        ensure(
            s.arrival_days_ahead <= 3_660,
            "[intake] arrival_days_ahead must be at most 3660 (ten years)",
            "[intake] arrival_days_ahead 不得超过 3660（十年）",
        )?;
        Ok(s)
    }

    /// The limits in force for an import on `today`.
    pub fn limits(&self, today: NaiveDate) -> IntakeLimits {
        IntakeLimits {
            name_chars: self.max_name_chars,
            text_chars: self.max_text_chars,
            earliest_arrival: self.earliest_arrival,
            latest_arrival: today
                .checked_add_days(Days::new(u64::from(self.arrival_days_ahead)))
                .unwrap_or(NaiveDate::MAX),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHandover {
    checklists: Option<PathBuf>,
    gates: Option<PathBuf>,
    overdue_margin_minutes: Option<u32>,
}

/// Check-lists, gates and the overdue margin (`[handover]`).
#[derive(Debug, Clone)]
pub struct HandoverSettings {
    pub templates: TemplateBook,
    pub gates: GateBook,
    /// An open loop past its trip's planned arrival plus this is overdue.
    pub overdue_margin: TimeDelta,
}

impl HandoverSettings {
    fn from_file(file: FileHandover, dir: &Path) -> Result<HandoverSettings> {
        let read = |p: &Option<PathBuf>| -> Result<Option<String>> {
            p.as_ref()
                .map(|p| {
                    let full = dir.join(p);
                    std::fs::read_to_string(&full).map_err(|e| AppError::io(&full, e))
                })
                .transpose()
        };
        let templates = match read(&file.checklists)? {
            Some(t) => TemplateBook::from_toml(&t).map_err(|e| bad("check-lists", e))?,
            None => TemplateBook::builtin(),
        };
        let gates = match read(&file.gates)? {
            Some(t) => GateBook::from_toml(&t).map_err(|e| bad("gates", e))?,
            None => GateBook::builtin(),
        };
        Ok(HandoverSettings {
            templates,
            gates,
            overdue_margin: TimeDelta::minutes(i64::from(
                file.overdue_margin_minutes.unwrap_or(60),
            )),
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLedger {
    origin: Option<String>,
    key_file: Option<PathBuf>,
}

/// The custody ledger's settings (`[ledger]`).
#[derive(Debug, Clone)]
pub struct LedgerSettings {
    /// The log's name in its signed heads and checkpoints, e.g. `closedloop.example/ledger`.
    pub origin: String,
    /// The secrets file: the ed25519 seed that signs heads and the pepper of traveler
    /// references. Never printed.
    pub key_file: PathBuf,
}

/// Without a configured origin: a name that says it is a placeholder.
const DEFAULT_ORIGIN: &str = "closedloop.example/ledger";

impl LedgerSettings {
    fn from_file(file: FileLedger, dir: &Path, data_dir: &Path) -> Result<LedgerSettings> {
        let origin = file.origin.unwrap_or_else(|| DEFAULT_ORIGIN.into());
        ensure(
            !origin.is_empty() && !origin.chars().any(|c| c.is_whitespace() || c == '+'),
            format!(
                "[ledger] origin {origin:?} must be a name without spaces or `+`, e.g. \"cityname.gov.example/closedloop\""
            ),
            format!(
                "[ledger] origin {origin:?} 须为不含空格和 `+` 的名称，如 \"cityname.gov.example/closedloop\""
            ),
        )?;
        Ok(LedgerSettings {
            origin,
            key_file: match file.key_file {
                Some(p) => dir.join(p),
                None => data_dir.join("ledger.key"),
            },
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRoads {
    osm: Option<PathBuf>,
    speeds: Option<PathBuf>,
    max_snap_m: Option<f64>,
    detour_factor: Option<f64>,
    straight_line_kmh: Option<f64>,
    osrm: Option<String>,
    osrm_profile: Option<String>,
}

/// The road network settings (`[roads]`).
#[derive(Debug, Clone)]
pub struct RoadsSettings {
    /// The extract; without one, travel times come from straight lines.
    pub osm: Option<PathBuf>,
    /// The speed table's TOML text, when the configuration names one.
    pub speeds: Option<String>,
    pub max_snap_m: f64,
    pub detour_factor: f64,
    pub straight_line_kmh: f64,
    /// An OSRM server's base URL; when set (and no extract is named on the command line) it
    /// answers routes and matrices instead of the extract.
    pub osrm: Option<String>,
    pub osrm_profile: String,
}

impl RoadsSettings {
    fn from_file(file: FileRoads, dir: &Path) -> Result<RoadsSettings> {
        let speeds = match &file.speeds {
            Some(p) => {
                let full = dir.join(p);
                Some(std::fs::read_to_string(&full).map_err(|e| AppError::io(&full, e))?)
            }
            None => None,
        };
        let s = RoadsSettings {
            osm: file.osm.map(|p| dir.join(p)),
            speeds,
            max_snap_m: file.max_snap_m.unwrap_or(1000.0),
            detour_factor: file.detour_factor.unwrap_or(1.4),
            straight_line_kmh: file.straight_line_kmh.unwrap_or(30.0),
            osrm: file.osrm,
            osrm_profile: file.osrm_profile.unwrap_or_else(|| "driving".into()),
        };
        if let Some(url) = &s.osrm {
            ensure(
                url.starts_with("http://") || url.starts_with("https://"),
                format!(
                    "[roads] osrm must be an http:// URL such as http://127.0.0.1:5000, not {url:?}"
                ),
                format!("[roads] osrm 须为 http:// 地址，如 http://127.0.0.1:5000，而非 {url:?}"),
            )?;
        }
        ensure(
            s.max_snap_m > 0.0,
            "[roads] max_snap_m must be positive",
            "[roads] max_snap_m 须为正数",
        )?;
        ensure(
            s.detour_factor >= 1.0,
            "[roads] detour_factor must be at least 1.0",
            "[roads] detour_factor 不得小于 1.0",
        )?;
        ensure(
            s.straight_line_kmh > 0.0,
            "[roads] straight_line_kmh must be positive",
            "[roads] straight_line_kmh 须为正数",
        )?;
        Ok(s)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub ports: PortDirectory,
    pub policy: PolicyBook,
    pub default_country_code: String,
    pub roads: RoadsSettings,
    pub ledger: LedgerSettings,
    pub handover: HandoverSettings,
    pub intake: IntakeSettings,
    pub geocoder: crate::geocode::GeocoderSettings,
    /// The webhooks notifications go to (`[notify]`); none by default.
    pub notify: crate::notify::NotifySettings,
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
            let data_dir = PathBuf::from("data");
            return Ok(Config {
                ledger: LedgerSettings::from_file(
                    FileLedger::default(),
                    Path::new("."),
                    &data_dir,
                )?,
                data_dir,
                database_url: None,
                ports: PortDirectory::from_toml(BUILTIN_PORTS)
                    .map_err(|e| bad("built-in ports", e))?,
                policy: PolicyBook::from_toml(BUILTIN_POLICY)
                    .map_err(|e| bad("built-in policy", e))?,
                default_country_code: "86".into(),
                roads: RoadsSettings::from_file(FileRoads::default(), Path::new("."))?,
                handover: HandoverSettings::from_file(FileHandover::default(), Path::new("."))?,
                intake: IntakeSettings::from_file(FileIntake::default())?,
                geocoder: crate::geocode::GeocoderSettings::Osm,
                notify: crate::notify::NotifySettings::default(),
                source: "built-in defaults".into(),
            });
        };
        let text = std::fs::read_to_string(&path).map_err(|e| AppError::io(&path, e))?;
        let named = path.display().to_string();
        let file: FileConfig = toml::from_str(&text).map_err(|e| bad(&named, e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let read = |p: Option<PathBuf>, builtin: &'static str| -> Result<String> {
            match p {
                Some(p) => {
                    let full = dir.join(&p);
                    std::fs::read_to_string(&full).map_err(|e| AppError::io(&full, e))
                }
                None => Ok(builtin.to_string()),
            }
        };
        let ports = PortDirectory::from_toml(&read(file.ports.clone(), BUILTIN_PORTS)?)
            .map_err(|e| bad(&format!("ports file named in {named}"), e))?;
        let policy = PolicyBook::from_toml(&read(file.policy.clone(), BUILTIN_POLICY)?)
            .map_err(|e| bad(&format!("policy file named in {named}"), e))?;
        let code = file.default_country_code.unwrap_or_else(|| "86".into());
        ensure(
            (1..=3).contains(&code.len())
                && code.chars().all(|c| c.is_ascii_digit())
                && !code.starts_with('0'),
            format!("{named}: default_country_code {code:?} must be a calling code such as \"86\""),
            format!("{named}：default_country_code {code:?} 须为国际区号，如 \"86\""),
        )?;
        let data_dir = dir.join(file.data_dir.unwrap_or_else(|| PathBuf::from("../data")));
        Ok(Config {
            ledger: LedgerSettings::from_file(file.ledger.unwrap_or_default(), dir, &data_dir)?,
            data_dir,
            database_url: file.database_url,
            ports,
            policy,
            default_country_code: code,
            roads: RoadsSettings::from_file(file.roads.unwrap_or_default(), dir)?,
            handover: HandoverSettings::from_file(file.handover.unwrap_or_default(), dir)?,
            intake: IntakeSettings::from_file(file.intake.unwrap_or_default())?,
            geocoder: crate::geocode::GeocoderSettings::from_file(
                file.geocoder.unwrap_or_default(),
            )?,
            notify: crate::notify::NotifySettings::from_file(file.notify.unwrap_or_default())?,
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

/// A configuration file (or part) that does not parse.
fn bad(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::config(format!("{what}: {e}"), format!("{what}：配置有误（{e}）"))
}

fn ensure(ok: bool, en: impl Into<String>, zh: impl Into<String>) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(AppError::config(en, zh))
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

    #[test]
    fn ledger_settings_default_beside_the_data_and_refuse_bad_origins() {
        let dir = Path::new("/etc/closedloop");
        let s =
            LedgerSettings::from_file(FileLedger::default(), dir, Path::new("/var/data")).unwrap();
        assert_eq!(s.origin, DEFAULT_ORIGIN);
        assert_eq!(s.key_file, Path::new("/var/data/ledger.key"));
        let named = FileLedger {
            origin: Some("city.example/closedloop".into()),
            key_file: Some("keys/ledger.key".into()),
        };
        let s = LedgerSettings::from_file(named, dir, Path::new("/var/data")).unwrap();
        assert_eq!(s.key_file, Path::new("/etc/closedloop/keys/ledger.key"));
        let bad = FileLedger {
            origin: Some("two words".into()),
            key_file: None,
        };
        assert!(LedgerSettings::from_file(bad, dir, Path::new(".")).is_err());
    }

    #[test]
    fn intake_limits_default_and_refuse_nonsense() {
        let s = IntakeSettings::from_file(FileIntake::default()).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(s.limits(today), IntakeLimits::defaults(today));
        let named = FileIntake {
            max_name_chars: Some(20),
            earliest_arrival: Some("2020-01-01".into()),
            arrival_days_ahead: Some(7),
            ..FileIntake::default()
        };
        let l = IntakeSettings::from_file(named).unwrap().limits(today);
        assert_eq!(l.name_chars, 20);
        assert_eq!(l.earliest_arrival.to_string(), "2020-01-01");
        assert_eq!(l.latest_arrival.to_string(), "2026-12-08");
        for bad in [
            FileIntake {
                max_text_chars: Some(0),
                ..FileIntake::default()
            },
            FileIntake {
                earliest_arrival: Some("last year".into()),
                ..FileIntake::default()
            },
            FileIntake {
                arrival_days_ahead: Some(u32::MAX),
                ..FileIntake::default()
            },
        ] {
            assert_eq!(
                IntakeSettings::from_file(bad).unwrap_err().code(),
                "config_invalid"
            );
        }
    }
}
