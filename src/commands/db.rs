use super::Ctx;
use anyhow::Result;
use clap::Subcommand;
use closedloop_store::Store;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations (also done automatically by every command that opens the database).
    Migrate,
    /// Show the backend, the database and the applied migrations.
    Status,
}

pub fn run(ctx: &Ctx, cmd: DbCommand) -> Result<ExitCode> {
    let url = ctx.config.database_url(ctx.database_url.as_deref())?;
    let store = Store::open_unmigrated(&url)?;
    match cmd {
        DbCommand::Migrate => {
            let applied = store.migrate()?;
            store.sync_ports(&ctx.config.ports.ports)?;
            if applied.is_empty() {
                println!(
                    "{} ({}, {url})",
                    ctx.t("database is up to date", "数据库已是最新"),
                    store.backend().name()
                );
            } else {
                println!(
                    "{} {} ({}, {url}): {}",
                    ctx.t("applied", "已应用"),
                    applied.len(),
                    store.backend().name(),
                    applied.join(", ")
                );
            }
        }
        DbCommand::Status => {
            let applied = store.applied_migrations()?;
            println!("{}: {}", ctx.t("backend", "后端"), store.backend().name());
            println!("{}: {url}", ctx.t("database", "数据库"));
            println!("{}: {}", ctx.t("configuration", "配置"), ctx.config.source);
            println!(
                "{}: {}",
                ctx.t("applied migrations", "已应用的迁移"),
                applied.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
