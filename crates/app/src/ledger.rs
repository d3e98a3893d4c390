//! The custody ledger: its key, its audit from the database, one traveler's audit bundle,
//! the offline check of a bundle, and checkpoints to keep off the server.

use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::keys;
use closedloop_domain::Lang;
use closedloop_domain::ids::TravelerId;
use closedloop_ledger::crosscheck::CrossChecked;
use closedloop_ledger::{
    AuditSummary, Bundle, BundleError, BundleSummary, HeadVerifier, ProofTree, SignedTreeHead,
    TravelerRef, check, check_with_key,
};
use closedloop_store::DbConnection;
use closedloop_store::ledger::{self, LedgerProblem};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The key file and the public key to publish.
#[derive(Debug, Clone, Serialize)]
pub struct KeyFile {
    pub key_file: PathBuf,
    /// False when a key file existed already: it is never replaced.
    pub created: bool,
    pub public_key: String,
}

/// Creates the key file if there is none (a new key would split the log in two).
pub fn init(app: &App) -> AppResult<KeyFile> {
    let settings = &app.config.ledger;
    let (k, created) = match keys::create(settings)? {
        Some(k) => (k, true),
        None => (keys::require(settings)?, false),
    };
    Ok(KeyFile {
        key_file: settings.key_file.clone(),
        created,
        public_key: k.signer.verifier().to_note_key(),
    })
}

/// What `ledger verify` found.
#[derive(Debug, Clone)]
pub enum Verified {
    /// No entry and no head: nothing to verify (and no key needed).
    Empty,
    Passed {
        summary: AuditSummary,
        /// The custody rows checked against the entries, per table.
        custody: CrossChecked,
        public_key: String,
        seconds: f64,
    },
    /// The first problem found.
    Failed(VerifyFailure),
}

/// Why `ledger verify` failed: the problem's stable code and text in both languages
/// (`closedloop_store::ledger::LedgerProblem`: `ledger_tampered`, `ledger_state_mismatch`,
/// `ledger_state_unreadable`, `ledger_index_mismatch`, or `custody_row_added` / `_changed` /
/// `_removed` for a custody row), the table and row at fault when it is a row's (the fault's
/// field reads `table row`), and the first entry concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    pub fault: Fault,
    pub table: Option<&'static str>,
    pub row: Option<String>,
    pub first_entry: Option<u64>,
}

impl VerifyFailure {
    fn of(p: &LedgerProblem) -> VerifyFailure {
        let mut fault = Fault::new(p.code(), p.message(Lang::En), p.message(Lang::ZhCn));
        let at = p.row();
        if let Some((table, row)) = at {
            fault = fault.at(if row.is_empty() {
                table.to_string()
            } else {
                format!("{table} {row}")
            });
        }
        VerifyFailure {
            fault,
            table: at.map(|(t, _)| t),
            row: at.map(|(_, r)| r.to_string()).filter(|r| !r.is_empty()),
            first_entry: p.first_entry(),
        }
    }

    pub fn code(&self) -> &'static str {
        self.fault.code
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.fault.en, &self.fault.zh)
    }
}

/// Reads a checkpoint note kept off the server.
pub fn read_checkpoint(path: &Path) -> AppResult<SignedTreeHead> {
    let text = std::fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
    SignedTreeHead::from_checkpoint(&text).map_err(|e| {
        AppError::Invalid(
            Fault::new(
                "checkpoint_invalid",
                format!("checkpoint {}: {e}", path.display()),
                format!("检查点 {}：{e}", path.display()),
            )
            .at("checkpoint"),
        )
    })
}

/// Recomputes the whole log from the database, each of `checkpoints` reproduced, then checks
/// every custody row (hand-overs and their travelers, loops, incidents and their resolutions,
/// gate decisions, check-lists, trips' states, purges) and the ledger table's own columns
/// against the entries.
pub fn verify(app: &App, checkpoints: &[SignedTreeHead]) -> AppResult<Verified> {
    let mut conn = app.conn()?;
    closedloop_store::read_snapshot(&mut conn, |conn| Ok(verify_on(app, conn, checkpoints)))?
}

/// [`verify`] on `conn`, inside whatever read snapshot the caller opened (the daily report
/// counts in the one it verified).
pub fn verify_on(
    app: &App,
    conn: &mut DbConnection,
    checkpoints: &[SignedTreeHead],
) -> AppResult<Verified> {
    let keys = match app.existing_keys()? {
        Some(k) => k,
        None => {
            if ledger::latest_head(conn)?.is_none() && ledger::entry_count(conn)? == 0 {
                return Ok(Verified::Empty);
            }
            return Err(keys::missing(&app.config.ledger));
        }
    };
    let verifier = keys.signer.verifier();
    let started = std::time::Instant::now();
    Ok(
        match ledger::verify(conn, &verifier, &keys.pepper, checkpoints)? {
            Ok(done) => Verified::Passed {
                summary: done.log,
                custody: done.custody,
                public_key: verifier.to_note_key(),
                seconds: started.elapsed().as_secs_f64(),
            },
            Err(problem) => Verified::Failed(VerifyFailure::of(&problem)),
        },
    )
}

fn empty_ledger(en: &str, zh: &str) -> AppError {
    AppError::not_found("ledger_empty", en, zh)
}

/// An audit bundle written to a file.
#[derive(Debug, Clone, Serialize)]
pub struct ProofWritten {
    pub traveler: i64,
    pub entries: usize,
    pub head_size: u64,
    pub head_at: String,
    pub out: PathBuf,
}

/// One traveler's whole custody chain with inclusion proofs against the latest signed head and
/// (since ledger format 2) the proof of the traveler's latest entry in its traveler map, which
/// lets `ledger check` prove the bundle complete. The head, the map rows and the entries are
/// read in one snapshot; the bundle is checked before it is written.
pub fn proof(app: &App, traveler: TravelerId, out: &Path) -> AppResult<ProofWritten> {
    let keys = keys::require(&app.config.ledger)?;
    let mut conn = app.conn()?;
    let reference = TravelerRef::from_key(&keys.pepper, traveler.0);
    let Some(material) = ledger::bundle_material(&mut conn, &reference)? else {
        return Err(empty_ledger(
            "the ledger is empty: nothing to prove",
            "账本为空：没有可证明的记录",
        ));
    };
    let head = material.head;
    if material.entries.is_empty() {
        return Err(AppError::not_found(
            "no_entries_for_traveler",
            format!(
                "no ledger entry names traveler {traveler} (log size {})",
                head.size
            ),
            format!(
                "账本中没有涉及该旅客的记录：旅客 {traveler}（账本规模 {}）",
                head.size
            ),
        ));
    }
    let tree = ProofTree::new(material.leaves);
    let bundle = Bundle::build(
        reference,
        &head,
        &keys.signer.verifier(),
        &tree,
        material.entries,
        material.map_proof,
    )
    .map_err(|e| AppError::Store(closedloop_store::StoreError::Corrupt(e.to_string())))?;
    std::fs::write(out, bundle.to_json()).map_err(|e| AppError::io(out, e))?;
    Ok(ProofWritten {
        traveler: traveler.0,
        entries: bundle.entries.len(),
        head_size: head.size,
        head_at: head.at.to_string(),
        out: out.to_path_buf(),
    })
}

/// Checks a bundle offline, against `public_key` (the office's published key) or the key it
/// carries. `Ok(Err(reason))` when the bundle fails.
pub fn check_bundle(
    path: &Path,
    public_key: Option<&str>,
) -> AppResult<Result<BundleSummary, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
    let checked = Bundle::from_json(&text).and_then(|b| match public_key {
        Some(k) => {
            let v = HeadVerifier::from_note_key(k).map_err(BundleError::Key)?;
            check_with_key(&b, &v)
        }
        None => check(&b),
    });
    Ok(checked.map_err(|e| e.to_string()))
}

/// The latest signed tree head as a checkpoint note.
pub fn checkpoint(app: &App) -> AppResult<SignedTreeHead> {
    let Some(head) = ledger::latest_head(&mut *app.conn()?)? else {
        return Err(empty_ledger(
            "the ledger is empty: no signed head yet",
            "账本为空：尚无签名树头",
        ));
    };
    // Never export a head that does not verify under our own key (when this machine has it).
    if let Some(keys) = app.existing_keys()? {
        keys.signer.verifier().verify(&head).map_err(|e| {
            AppError::Store(closedloop_store::StoreError::Corrupt(format!(
                "the latest stored head does not verify: {e}"
            )))
        })?;
    }
    Ok(head)
}
