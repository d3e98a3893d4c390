//! The version of what a reader saw, so that an edit made from it can say so: HTTP's ETag and
//! If-Match. A version is a digest of the object as the app layer shows it — any change of a
//! shown field is a new version, and two readers of the same state agree on it without a
//! counter stored anywhere. The edit compares it with the object's state inside its own
//! transaction ([`Expect::check`]), so nothing changes between the check and the write.

use crate::error::{AppError, AppResult, Fault};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// 96 bits of a SHA-256 digest, hex: collisions between two states of one object are not a
/// practical concern, and the header stays short.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(pub String);

impl Version {
    pub fn of(value: &impl Serialize) -> Version {
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        Version(hex::encode(&Sha256::digest(&bytes)[..12]))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which version an edit was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Whatever is current: the desk at the shell, who sees the result at once.
    Current,
    /// The version the caller read; the edit is refused if the object has moved on.
    Version(Version),
}

impl Expect {
    /// Refuses (`version_stale`, naming the object: `what` is its name in English and in
    /// Chinese) unless `current` is the version expected.
    pub fn check(&self, what: (&str, &str), current: &impl Serialize) -> AppResult<()> {
        let (what_en, what_zh) = what;
        let Expect::Version(expected) = self else {
            return Ok(());
        };
        let now = Version::of(current);
        if &now == expected {
            return Ok(());
        }
        Err(AppError::Stale {
            fault: Fault::new(
                "version_stale",
                format!(
                    "{what_en} has changed since version {expected} was read (now {now}): read it \
                     again and redo the edit; nothing was changed"
                ),
                format!(
                    "{what_zh} 在读取版本 {expected} 之后已被修改（当前 {now}）：请重新读取后再修改；未做任何改动"
                ),
            ),
            current: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_from_an_old_version_is_refused_with_the_current_one() {
        let v1 = serde_json::json!({"rooms": 10});
        let v2 = serde_json::json!({"rooms": 11});
        assert_eq!(
            Version::of(&v1),
            Version::of(&serde_json::json!({"rooms": 10}))
        );
        assert_ne!(Version::of(&v1), Version::of(&v2));
        assert_eq!(Version::of(&v1).0.len(), 24);
        assert!(Expect::Current.check(("hotel H1", "酒店 H1"), &v2).is_ok());
        assert!(
            Expect::Version(Version::of(&v2))
                .check(("hotel H1", "酒店 H1"), &v2)
                .is_ok()
        );
        match Expect::Version(Version::of(&v1)).check(("hotel H1", "酒店 H1"), &v2) {
            Err(AppError::Stale { fault, current }) => {
                assert_eq!(fault.code, "version_stale");
                assert_eq!(current, Version::of(&v2));
                assert!(fault.en.contains("hotel H1"), "{}", fault.en);
            }
            other => panic!("{other:?}"),
        }
    }
}
