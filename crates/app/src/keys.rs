//! The custody ledger's secrets file (`[ledger] key_file`): line 1 the ed25519 seed that signs
//! tree heads, line 2 the pepper of keyed traveler references, each 64 hex digits; `#` lines are
//! comments. Created with mode 0600; its contents are never printed, not even when malformed.

use crate::config::LedgerSettings;
use crate::error::{AppError, AppResult as Result, Fault};
use closedloop_ledger::{HeadSigner, Pepper};
use closedloop_store::custody;
use std::io::Write;
use std::path::Path;

/// The two secrets, ready to sign and to derive references.
pub struct LedgerKeys {
    pub signer: HeadSigner,
    pub pepper: Pepper,
}

impl LedgerKeys {
    pub fn for_store(&self) -> custody::LedgerKeys<'_> {
        custody::LedgerKeys {
            signer: &self.signer,
            pepper: &self.pepper,
        }
    }

    /// Fresh random keys, for a new log or a benchmark.
    pub fn generate(origin: &str) -> Result<LedgerKeys> {
        let (seed, pepper) = (random32()?, random32()?);
        Ok(LedgerKeys {
            signer: signer(origin, seed)?,
            pepper: Pepper::from_bytes(pepper),
        })
    }
}

fn random32() -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| {
        AppError::Keys(Fault::new(
            "no_randomness",
            format!("no system randomness: {e}"),
            format!("无法取得系统随机数：{e}"),
        ))
    })?;
    Ok(b)
}

const HEADER: &str = "# closedloop ledger key: SECRET. Line 1 signs the ledger's tree heads (ed25519 seed), \
line 2 keys the traveler references (pepper). Keep a copy off the server; never share it.\n";

/// Reads the key file; `None` if it does not exist.
pub fn read(settings: &LedgerSettings) -> Result<Option<LedgerKeys>> {
    let path = &settings.key_file;
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AppError::io(path, e)),
    };
    warn_if_readable_by_others(path);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let [seed, pepper] = lines[..] else {
        return Err(malformed(
            path,
            format!(
                "expected 2 lines of 64 hex digits (signing seed, pepper), found {}",
                lines.len()
            ),
            format!(
                "应为 2 行 64 位十六进制数（签名种子、pepper），实为 {} 行",
                lines.len()
            ),
        ));
    };
    // The secrets' own errors never quote them.
    let signer = HeadSigner::from_config(&settings.origin, seed)
        .map_err(|e| malformed(path, format!("line 1: {e}"), format!("第 1 行：{e}")))?;
    let pepper = Pepper::from_config(pepper)
        .map_err(|e| malformed(path, format!("line 2: {e}"), format!("第 2 行：{e}")))?;
    Ok(Some(LedgerKeys { signer, pepper }))
}

fn malformed(path: &Path, en: String, zh: String) -> AppError {
    let p = path.display();
    AppError::Keys(Fault::new(
        "ledger_key_invalid",
        format!("{p}, {en}"),
        format!("{p}，{zh}"),
    ))
}

/// The keys, or `ledger_key_missing` naming the file (the adapter says how to create it).
pub fn require(settings: &LedgerSettings) -> Result<LedgerKeys> {
    read(settings)?.ok_or_else(|| missing(settings))
}

/// `ledger_key_missing`, naming the file.
pub fn missing(settings: &LedgerSettings) -> AppError {
    let p = settings.key_file.display();
    AppError::Keys(Fault::new(
        "ledger_key_missing",
        format!("no ledger key file at {p} (create it, or restore the file from its backup)"),
        format!("{p} 处没有账本密钥文件（请创建，或从备份恢复）"),
    ))
}

/// Creates the key file; `Ok(None)` if one already exists (it is never replaced: a new key
/// would split the log's traveler references and signatures in two).
pub fn create(settings: &LedgerSettings) -> Result<Option<LedgerKeys>> {
    let path = &settings.key_file;
    if path.exists() {
        return Ok(None);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    }
    let (seed, pepper) = (random32()?, random32()?);
    let text = format!("{HEADER}{}\n{}\n", hex::encode(seed), hex::encode(pepper));
    // Written whole under a temporary name, then linked into place: a concurrent reader never
    // sees half a file, and of two concurrent creators exactly one wins (link fails if the name
    // exists) and the other reads the winner's keys.
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let io = |e| AppError::io(&tmp, e);
    let mut f = open_private(&tmp).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(e) => return Err(AppError::io(path, e)),
    }
    Ok(Some(LedgerKeys {
        signer: signer(&settings.origin, seed)?,
        pepper: Pepper::from_bytes(pepper),
    }))
}

/// The keys, and whether this call created the file (the adapter tells the operator once).
pub fn open_or_create(settings: &LedgerSettings) -> Result<(LedgerKeys, bool)> {
    if let Some(k) = read(settings)? {
        return Ok((k, false));
    }
    match create(settings)? {
        Some(k) => Ok((k, true)),
        None => Ok((require(settings)?, false)),
    }
}

fn signer(origin: &str, seed: [u8; 32]) -> Result<HeadSigner> {
    HeadSigner::new(origin, seed).map_err(|e| {
        AppError::config(
            format!("[ledger] origin {origin:?}: {e}"),
            format!("[ledger] origin {origin:?}：{e}"),
        )
    })
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            file = %path.display(),
            "the ledger key file is readable by other users: chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path) -> LedgerSettings {
        LedgerSettings {
            origin: "closedloop.test/keys".into(),
            key_file: dir.join("sub").join("ledger.key"),
        }
    }

    #[test]
    fn created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path());
        assert!(read(&s).unwrap().is_none());
        let made = create(&s).unwrap().expect("created");
        assert!(
            create(&s).unwrap().is_none(),
            "an existing key file was replaced"
        );
        let back = read(&s).unwrap().expect("readable");
        assert_eq!(back.signer.verifier(), made.signer.verifier());
        assert_eq!(back.pepper, made.pepper);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&s.key_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_malformed_file_is_refused_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path());
        std::fs::create_dir_all(s.key_file.parent().unwrap()).unwrap();
        std::fs::write(&s.key_file, "secretsecret\nmoresecret\n").unwrap();
        let err = read(&s).err().expect("refused").to_string();
        assert!(err.contains("line 1") && !err.contains("secret"), "{err}");
    }
}
