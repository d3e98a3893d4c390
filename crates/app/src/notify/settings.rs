//! `[notify]`: the webhooks notifications go to, what each receives, and how delivery retries.

use crate::error::{AppError, AppResult as Result};
use base64::Engine;
use serde::Deserialize;
use std::time::Duration;

/// What a webhook may receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An incident opened: kind, severity, batch, time — to the command centre.
    Incident,
    /// A traveler's loop past its trip's planned arrival plus the margin — to the command
    /// centre.
    LoopOverdue,
    /// A trip approved: one message per traveler, in their language, with their phone — to the
    /// SMS gateway.
    DepartureReminder,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Incident, Kind::LoopOverdue, Kind::DepartureReminder];

    /// The event type of the message (`type` in its body, `event_type` in the outbox).
    pub fn code(self) -> &'static str {
        match self {
            Kind::Incident => "incident",
            Kind::LoopOverdue => "loop_overdue",
            Kind::DepartureReminder => "departure_reminder",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether its payload carries personal data (the phone), erased once it was sent.
    pub fn personal(self) -> bool {
        self == Kind::DepartureReminder
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileNotify {
    backoff_base_seconds: Option<f64>,
    backoff_cap_seconds: Option<f64>,
    max_attempts: Option<u32>,
    timeout_seconds: Option<f64>,
    #[serde(default)]
    webhooks: Vec<FileWebhook>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWebhook {
    name: String,
    url: String,
    secret: String,
    kinds: Vec<Kind>,
}

/// A signing secret: the bytes behind `whsec_<base64>`. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Reads a Standard Webhooks secret, `whsec_` and the base64 of at least 24 bytes.
    pub fn parse(s: &str) -> Option<Secret> {
        let b64 = s.strip_prefix("whsec_")?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        (24..=64).contains(&bytes.len()).then_some(Secret(bytes))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One configured webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Unique; the outbox names the webhook by it.
    pub name: String,
    pub url: String,
    pub secret: Secret,
    pub kinds: Vec<Kind>,
}

/// The notification settings (`[notify]`); the default has no webhooks, so nothing is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifySettings {
    pub webhooks: Vec<Webhook>,
    /// The delay before the second attempt; each later one doubles it, up to the cap.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Attempts in all, the first included; after the last failed one the message is failed.
    pub max_attempts: u32,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            webhooks: Vec::new(),
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(3600),
            max_attempts: 12,
            timeout: Duration::from_secs(10),
        }
    }
}

impl NotifySettings {
    pub fn from_file(file: FileNotify) -> Result<NotifySettings> {
        let d = NotifySettings::default();
        let secs = |v: Option<f64>, default: Duration, what: &str| -> Result<Duration> {
            match v {
                None => Ok(default),
                Some(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => {
                    Ok(Duration::from_secs_f64(s))
                }
                Some(_) => Err(AppError::config(
                    format!("[notify] {what} must be a number of seconds between 0 and 86400"),
                    format!("[notify] {what} 须为 0 至 86400 之间的秒数"),
                )),
            }
        };
        let mut s = NotifySettings {
            webhooks: Vec::with_capacity(file.webhooks.len()),
            backoff_base: secs(
                file.backoff_base_seconds,
                d.backoff_base,
                "backoff_base_seconds",
            )?,
            backoff_cap: secs(
                file.backoff_cap_seconds,
                d.backoff_cap,
                "backoff_cap_seconds",
            )?,
            max_attempts: file.max_attempts.unwrap_or(d.max_attempts),
            timeout: secs(file.timeout_seconds, d.timeout, "timeout_seconds")?,
        };
        check(
            (1..=100).contains(&s.max_attempts),
            "[notify] max_attempts must be between 1 and 100".into(),
            "[notify] max_attempts 须在 1 至 100 之间".into(),
        )?;
        check(
            s.backoff_cap >= s.backoff_base,
            "[notify] backoff_cap_seconds must not be below backoff_base_seconds".into(),
            "[notify] backoff_cap_seconds 不得小于 backoff_base_seconds".into(),
        )?;
        for w in file.webhooks {
            let name = w.name;
            check(
                !name.is_empty()
                    && name.len() <= 64
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                format!("[notify] webhook name {name:?} must be letters, digits, - or _"),
                format!("[notify] webhook 名称 {name:?} 只能由字母、数字、- 或 _ 组成"),
            )?;
            check(
                s.webhooks.iter().all(|o| o.name != name),
                format!("[notify] webhook {name:?} is named twice"),
                format!("[notify] webhook {name:?} 重复"),
            )?;
            check(
                w.url.starts_with("http://") || w.url.starts_with("https://"),
                format!("[notify] webhook {name:?}: url must be an http:// or https:// URL"),
                format!("[notify] webhook {name:?}：url 须为 http:// 或 https:// 地址"),
            )?;
            let secret = Secret::parse(&w.secret).ok_or_else(|| {
                AppError::config(
                    format!(
                        "[notify] webhook {name:?}: secret must be whsec_ followed by the base64 of 24 to 64 random bytes"
                    ),
                    format!("[notify] webhook {name:?}：secret 须为 whsec_ 加 24 至 64 个随机字节的 base64"),
                )
            })?;
            check(
                !w.kinds.is_empty(),
                format!(
                    "[notify] webhook {name:?}: kinds must name incident, loop_overdue or departure_reminder"
                ),
                format!(
                    "[notify] webhook {name:?}：kinds 须列出 incident、loop_overdue 或 departure_reminder"
                ),
            )?;
            s.webhooks.push(Webhook {
                name,
                url: w.url,
                secret,
                kinds: w.kinds,
            });
        }
        Ok(s)
    }

    pub fn webhook(&self, name: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|w| w.name == name)
    }

    /// The webhooks that receive `kind`.
    pub fn receivers(&self, kind: Kind) -> impl Iterator<Item = &Webhook> {
        self.webhooks
            .iter()
            .filter(move |w| w.kinds.contains(&kind))
    }

    /// The delay after failed attempt number `attempt` (1 for the first): the base doubled for
    /// each attempt before, at most the cap, then "equal jitter" (its first half, plus the
    /// share `r`, uniform in 0 ≤ r < 1, of its second half), so receivers that failed together
    /// are not retried together.
    pub fn backoff(&self, attempt: u32, r: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(60) as i32;
        let doubled = self.backoff_base.as_secs_f64() * 2f64.powi(exponent);
        let d = doubled.min(self.backoff_cap.as_secs_f64());
        Duration::from_secs_f64(d / 2.0 + d / 2.0 * r.clamp(0.0, 1.0))
    }
}

fn check(ok: bool, en: String, zh: String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(AppError::config(en, zh))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(toml: &str) -> FileNotify {
        toml::from_str(toml).unwrap()
    }

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn webhooks_parse_with_their_kinds_and_secrets() {
        let s = NotifySettings::from_file(file(&format!(
            "backoff_base_seconds = 0.5\nmax_attempts = 3\n\
             [[webhooks]]\nname = \"sms\"\nurl = \"http://10.0.0.5/sms\"\nsecret = \"{SECRET}\"\n\
             kinds = [\"departure_reminder\"]\n"
        )))
        .unwrap();
        assert_eq!(s.max_attempts, 3);
        assert_eq!(s.backoff_base, Duration::from_millis(500));
        let w = s.webhook("sms").unwrap();
        assert_eq!(w.secret.bytes().len(), 24);
        assert_eq!(format!("{:?}", w.secret), "Secret(…)");
        assert_eq!(s.receivers(Kind::DepartureReminder).count(), 1);
        assert_eq!(s.receivers(Kind::Incident).count(), 0);
        assert_eq!(
            NotifySettings::from_file(file("")).unwrap(),
            NotifySettings::default()
        );
    }

    #[test]
    fn the_configuration_file_carries_the_section() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("closedloop.toml");
        std::fs::write(
            &path,
            format!(
                "[notify]\nmax_attempts = 4\n[[notify.webhooks]]\nname = \"chat\"\n\
                 url = \"http://127.0.0.1:9/robot\"\nsecret = \"{SECRET}\"\n\
                 kinds = [\"incident\", \"loop_overdue\"]\n"
            ),
        )
        .unwrap();
        let c = crate::config::Config::load(Some(&path)).unwrap();
        assert_eq!(c.notify.max_attempts, 4);
        assert_eq!(c.notify.receivers(Kind::LoopOverdue).count(), 1);
        let shipped =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/closedloop.toml");
        let c = crate::config::Config::load(Some(&shipped)).unwrap();
        assert!(
            c.notify.webhooks.is_empty(),
            "the shipped file sends nothing"
        );
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "max_attempts = 0".to_string(),
            "backoff_base_seconds = 10\nbackoff_cap_seconds = 1".to_string(),
            format!("[[webhooks]]\nname = \"a b\"\nurl = \"http://x\"\nsecret = \"{SECRET}\"\nkinds = [\"incident\"]"),
            format!("[[webhooks]]\nname = \"a\"\nurl = \"ftp://x\"\nsecret = \"{SECRET}\"\nkinds = [\"incident\"]"),
            "[[webhooks]]\nname = \"a\"\nurl = \"http://x\"\nsecret = \"hunter2\"\nkinds = [\"incident\"]".to_string(),
            format!("[[webhooks]]\nname = \"a\"\nurl = \"http://x\"\nsecret = \"{SECRET}\"\nkinds = []"),
        ] {
            let e = NotifySettings::from_file(file(&bad)).unwrap_err();
            assert_eq!(e.code(), "config_invalid", "{bad}");
        }
        assert!(toml::from_str::<FileNotify>("[[webhooks]]\nname = \"a\"\nurl = \"http://x\"\nsecret = \"s\"\nkinds = [\"gossip\"]").is_err());
    }

    #[test]
    fn back_off_doubles_up_to_the_cap_with_jitter_in_its_upper_half() {
        let s = NotifySettings {
            backoff_base: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(60),
            ..NotifySettings::default()
        };
        assert_eq!(s.backoff(1, 1.0), Duration::from_secs(10));
        assert_eq!(s.backoff(1, 0.0), Duration::from_secs(5));
        assert_eq!(s.backoff(2, 1.0), Duration::from_secs(20));
        assert_eq!(s.backoff(3, 1.0), Duration::from_secs(40));
        assert_eq!(s.backoff(4, 1.0), Duration::from_secs(60));
        assert_eq!(s.backoff(99, 0.5), Duration::from_secs(45));
    }
}
