//! `closedloop ledger …`: the custody ledger's key, its audit, one traveler's audit bundle, the
//! offline check of a bundle, and checkpoints to keep off the server.

use super::Ctx;
use crate::output::table;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use closedloop_app::ledger::{self, Verified};
use closedloop_domain::ids::TravelerId;
use closedloop_ledger::bundle::{BundleSummary, Completeness};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Create the key file (head-signing seed and traveler pepper, mode 0600) and print the
    /// public key to publish. An existing key file is never replaced.
    Init,
    /// Recompute the whole log from the database and check every custody row against it
    /// (hand-overs, loops, incidents, gate decisions, check-lists, trips' states): exit 0 with
    /// a summary, or 1 naming the first entry that was altered, removed, inserted or reordered,
    /// or the first row that was added, changed or removed without its entry.
    Verify(VerifyArgs),
    /// Write one traveler's whole custody chain with inclusion proofs against the latest
    /// signed head: an audit bundle anyone can check offline.
    Proof(ProofArgs),
    /// Check an audit bundle offline (no database): exit 0 with its summary, or 1 with the
    /// reason it fails.
    Check(CheckArgs),
    /// Print (or write) the latest signed tree head as a checkpoint note, to keep off the
    /// server: `ledger verify --checkpoint FILE` later proves the log was only appended to.
    Checkpoint(CheckpointArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A checkpoint kept elsewhere (from `ledger checkpoint`); repeatable. The log must
    /// reproduce each one's root at its size.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// Print the outcome as JSON (`verified`, and the counts, or the problem's `code`,
    /// `table`, `row`, `first_entry` and `message`); the exit code is the same.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProofArgs {
    /// The traveler's id in the database (`travelers list --format json` shows it).
    #[arg(long, value_name = "ID")]
    pub traveler: i64,
    /// Where to write the bundle (JSON).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The bundle written by `ledger proof`.
    pub bundle: PathBuf,
    /// The office's published public key (`<origin>+<key id>+<base64>`, as `ledger init`
    /// prints it). Without it the bundle is checked against the key it carries, which is
    /// printed so you can compare.
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// Write the checkpoint to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, cmd: LedgerCommand) -> Result<ExitCode> {
    match cmd {
        LedgerCommand::Init => init(ctx),
        LedgerCommand::Verify(a) => verify(ctx, &a),
        LedgerCommand::Proof(a) => proof(ctx, &a),
        LedgerCommand::Check(a) => check_bundle(ctx, &a),
        LedgerCommand::Checkpoint(a) => checkpoint(ctx, &a),
    }
}

fn init(ctx: &Ctx) -> Result<ExitCode> {
    let k = ledger::init(ctx)?;
    let what = if k.created {
        ctx.t(
            "created the ledger key file (mode 0600; keep a copy off the server):",
            "已创建账本密钥文件（权限 0600；请在服务器以外另存一份）：",
        )
    } else {
        ctx.t(
            "the ledger key file exists and was not replaced:",
            "账本密钥文件已存在，未替换：",
        )
    };
    println!("{what} {}", k.key_file.display());
    println!(
        "{}: {}",
        ctx.t("public key (publish it)", "公钥（请公布）"),
        k.public_key
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(ctx: &Ctx, args: &VerifyArgs) -> Result<ExitCode> {
    let extra = args
        .checkpoint
        .iter()
        .map(|p| ledger::read_checkpoint(p))
        .collect::<Result<Vec<_>, _>>()?;
    let verified = ledger::verify(ctx, &extra)?;
    if args.json {
        return verify_json(ctx, &verified);
    }
    match verified {
        Verified::Empty => {
            println!("{}", ctx.t("the ledger is empty", "账本为空"));
            Ok(ExitCode::SUCCESS)
        }
        Verified::Passed {
            summary: s,
            custody,
            public_key,
            seconds,
        } => {
            println!(
                "{}: {} {}, {} {}, {} {}{}",
                ctx.t("ledger verified", "账本校验通过"),
                s.entries,
                ctx.t("entries", "条记录"),
                s.heads_checked,
                ctx.t("signed heads checked", "个签名树头已核对"),
                ctx.t("root", "根哈希"),
                s.root,
                if s.unsigned_tail > 0 {
                    format!(
                        "; {} {}",
                        s.unsigned_tail,
                        ctx.t("entries not yet signed", "条记录尚未签名")
                    )
                } else {
                    String::new()
                }
            );
            println!(
                "{}: {} {} ({})",
                ctx.t(
                    "custody tables checked against it",
                    "托管数据表已与账本核对"
                ),
                custody.total(),
                ctx.t("rows", "行"),
                custody
                    .rows
                    .iter()
                    .map(|(t, n)| format!("{t} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if custody.trips_before_v2 > 0 {
                println!(
                    "{}: {}",
                    ctx.t(
                        "trips whose state changed before ledger format 2 (accepted as stored, not provable)",
                        "状态变更早于账本格式 2 的车次（按存储值接受，无法证明）"
                    ),
                    custody.trips_before_v2
                );
            }
            println!(
                "{}: {public_key} ({seconds:.3} s)",
                ctx.t("public key", "公钥"),
            );
            Ok(ExitCode::SUCCESS)
        }
        Verified::Failed(f) => {
            println!(
                "{}: {}",
                ctx.t("ledger verification FAILED", "账本校验未通过"),
                f.message(ctx.lang)
            );
            if let Some(seq) = f.first_entry {
                println!(
                    "{}: {seq}",
                    ctx.t("first entry concerned", "首个出问题的记录")
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn verify_json(ctx: &Ctx, verified: &Verified) -> Result<ExitCode> {
    let (value, code) = match verified {
        Verified::Empty => (json!({"verified": true, "entries": 0}), ExitCode::SUCCESS),
        Verified::Passed {
            summary: s,
            custody,
            public_key,
            seconds,
        } => (
            json!({
                "verified": true,
                "entries": s.entries,
                "heads_checked": s.heads_checked,
                "root": s.root.to_hex(),
                "signed_size": s.signed_size,
                "unsigned_tail": s.unsigned_tail,
                "custody_rows": custody
                    .rows
                    .iter()
                    .map(|(t, n)| (t.name().to_string(), json!(n)))
                    .collect::<serde_json::Map<_, _>>(),
                "custody_rows_total": custody.total(),
                "trips_before_v2": custody.trips_before_v2,
                "public_key": public_key,
                "seconds": seconds,
            }),
            ExitCode::SUCCESS,
        ),
        Verified::Failed(f) => (
            json!({
                "verified": false,
                "code": f.code(),
                "table": f.table,
                "row": f.row,
                "first_entry": f.first_entry,
                "message": f.message(ctx.lang),
            }),
            ExitCode::from(1),
        ),
    };
    println!("{value}");
    Ok(code)
}

fn proof(ctx: &Ctx, args: &ProofArgs) -> Result<ExitCode> {
    let p = ledger::proof(ctx, TravelerId(args.traveler), &args.out)?;
    println!(
        "{} {}: {} {}, {} {} ({}) → {}",
        ctx.t("audit bundle of traveler", "旅客审计包"),
        p.traveler,
        p.entries,
        ctx.t("entries", "条记录"),
        ctx.t("against the signed head of size", "对应签名树头规模"),
        p.head_size,
        p.head_at,
        p.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check_bundle(ctx: &Ctx, args: &CheckArgs) -> Result<ExitCode> {
    match ledger::check_bundle(&args.bundle, args.public_key.as_deref())? {
        Ok(s) => {
            print!("{}", summary(ctx, &s, args.public_key.is_some()));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!(
                "{}: {e}",
                ctx.t("audit bundle check FAILED", "审计包校验未通过")
            );
            Ok(ExitCode::from(1))
        }
    }
}
fn summary(ctx: &Ctx, s: &BundleSummary, key_given: bool) -> String {
    let mut out = format!(
        "{}\n{}: {}\n{}: {}{}\n{}: {} {}, {} {}, {} {}\n",
        ctx.t("audit bundle verified", "审计包校验通过"),
        ctx.t("traveler reference", "旅客引用"),
        s.traveler,
        ctx.t("signed by", "签名公钥"),
        s.public_key,
        if key_given {
            ""
        } else {
            ctx.t(
                " (compare with the key the office published)",
                "（请与主管部门公布的公钥核对）",
            )
        },
        ctx.t("checkpoint", "检查点"),
        ctx.t("size", "规模"),
        s.tree_size,
        ctx.t("root", "根哈希"),
        s.root,
        ctx.t("signed at", "签名时间"),
        s.signed_at
    );
    let rows: Vec<Vec<String>> = s
        .entries
        .iter()
        .map(|e| {
            vec![
                e.index.to_string(),
                e.at.to_string(),
                e.kind.to_string(),
                e.body.describe(ctx.lang),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            ctx.t("entry", "记录"),
            ctx.t("time (UTC)", "时间（UTC）"),
            ctx.t("kind", "类型"),
            ctx.t("details", "内容"),
        ],
        &rows,
    ));
    out.push_str(&format!(
        "{}: {}; {}: {}\n",
        ctx.t("hand-overs", "交接次数"),
        s.hand_overs,
        ctx.t("custody breaks", "交接链断点"),
        if s.custody_breaks.is_empty() {
            ctx.t("none", "无").to_string()
        } else {
            s.custody_breaks
                .iter()
                .map(|b| {
                    format!(
                        "{} {}: {} ≠ {}",
                        ctx.t("entry", "记录"),
                        b.index,
                        b.previous_receiver.describe(),
                        b.giver.describe()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
    ));
    out.push_str(&format!(
        "{}: {}\n",
        ctx.t("complete", "完整性"),
        match s.completeness {
            Completeness::Complete => ctx
                .t(
                    "yes, every entry naming the traveler up to the checkpoint is in the bundle",
                    "完整：截至该检查点涉及该旅客的每条记录都在审计包中",
                )
                .to_string(),
            Completeness::CompleteFrom { from } => format!(
                "{} {from}{}",
                ctx.t("from entry", "自记录"),
                ctx.t(
                    " on; the earlier entries predate ledger format 2 and cannot be proven all there",
                    " 起完整；更早的记录早于账本格式 2，无法证明齐全",
                )
            ),
            Completeness::Unproven => ctx
                .t(
                    "not proven: a format-1 bundle, its checkpoint predates the traveler map",
                    "无法证明：格式 1 审计包，其检查点早于旅客索引树",
                )
                .to_string(),
        }
    ));
    out
}

fn checkpoint(ctx: &Ctx, args: &CheckpointArgs) -> Result<ExitCode> {
    let head = ledger::checkpoint(ctx)?;
    let text = head.to_checkpoint();
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!(
                "{} {} ({} {}) → {}",
                ctx.t("checkpoint of size", "检查点规模"),
                head.size,
                ctx.t("signed", "签名于"),
                head.at,
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
