use super::Ctx;
use anyhow::Result;
use clap::Subcommand;
use closedloop_app::db;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending migrations (also done automatically by every command that opens the database).
    Migrate,
    /// Show the backend, the database and the applied migrations.
    Status,
}

pub fn run(ctx: &Ctx, cmd: DbCommand) -> Result<ExitCode> {
    match cmd {
        DbCommand::Migrate => {
            let s = db::migrate(ctx)?;
            if s.migrations.is_empty() {
                println!(
                    "{} ({}, {})",
                    ctx.t("database is up to date", "数据库已是最新"),
                    s.backend,
                    s.database
                );
            } else {
                println!(
                    "{} {} ({}, {}): {}",
                    ctx.t("applied", "已应用"),
                    s.migrations.len(),
                    s.backend,
                    s.database,
                    s.migrations.join(", ")
                );
            }
        }
        DbCommand::Status => {
            let s = db::status(ctx)?;
            println!("{}: {}", ctx.t("backend", "后端"), s.backend);
            println!("{}: {}", ctx.t("database", "数据库"), s.database);
            println!("{}: {}", ctx.t("configuration", "配置"), s.configuration);
            println!(
                "{}: {}",
                ctx.t("applied migrations", "已应用的迁移"),
                s.migrations.join(", ")
            );
            if !s.pending.is_empty() {
                println!(
                    "{}: {}",
                    ctx.t("pending migrations", "待应用的迁移"),
                    s.pending.join(", ")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
