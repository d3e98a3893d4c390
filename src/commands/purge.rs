//! `closedloop purge --older-than DAYS`: erase the personal data of travelers who arrived more
//! than DAYS days ago, record it in the custody ledger, and leave no copy in the SQLite file.

use super::Ctx;
use anyhow::Result;
use chrono::Utc;
use clap::Args;
use closedloop_app::purge;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Erase travelers whose arrival is more than this many days ago: name, document number,
    /// phone, date of birth, address, family group and notes. The ledger keeps verifying: its
    /// entries carry only keyed references. At most 36500 (a century).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(..=36_500))]
    pub older_than: u32,
}

pub fn run(ctx: &Ctx, args: &PurgeArgs) -> Result<ExitCode> {
    let out = purge::purge(ctx, args.older_than, Utc::now())?;
    println!(
        "{}: {} ({} {})",
        ctx.t("travelers purged", "已清除个人信息的旅客"),
        out.travelers,
        ctx.t("arrived before", "抵达早于"),
        out.cutoff.format("%Y-%m-%d %H:%M UTC")
    );
    if out.rejected_rows > 0 {
        println!(
            "{}: {}",
            ctx.t(
                "refused manifest rows deleted (never fixed)",
                "已删除的未修正被拒清单行"
            ),
            out.rejected_rows
        );
    }
    if let Some(size) = out.ledger_size {
        println!(
            "{}: {size}",
            ctx.t(
                "ledger size after the purge entries",
                "清除记录写入后的账本规模"
            ),
        );
    }
    if out.wal_truncated == Some(false) {
        eprintln!(
            "{}",
            ctx.t(
                "warning: another process kept the write-ahead log open; old values may remain in it until `closedloop purge` runs again while the database is idle",
                "警告：另一进程占用预写日志，旧数据可能仍残留其中；请在数据库空闲时再次运行 `closedloop purge`"
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}
