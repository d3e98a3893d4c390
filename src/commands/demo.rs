//! `closedloop demo`: the demo city (`closedloop-demo`) prepared in its own directory — an
//! embedded SQLite with a day over the shipped extract, its morning already played — then
//! served with simulated drivers playing the rest of the day through the API.
//! `closedloop demo code LOGIN` prints a demo login's current TOTP code from the demo's file.

use super::Ctx;
use anyhow::Result;
use clap::{Args, Subcommand};
use closedloop_demo::{DemoError, PrepareOptions, ServeOptions, prepare, serve};
use closedloop_domain::Lang;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub action: Option<DemoAction>,
    /// The demo's directory: its database, ledger key, logins. Reused if it holds a prepared
    /// demo; never a real database.
    #[arg(long, default_value = "data/demo")]
    pub data_dir: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Build the data and exit without serving.
    #[arg(long)]
    pub prepare_only: bool,
    /// Serve this many seconds, then stop gracefully and exit 0 (tests, CI).
    #[arg(long, value_name = "SECONDS")]
    pub stop_after: Option<u64>,
    /// How many times faster than the clock the simulated vehicles drive.
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
    /// Travelers of the demo day (a new demo only).
    #[arg(long, default_value_t = 72)]
    pub travelers: usize,
    /// Seed of the generated day (a new demo only).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum DemoAction {
    /// The current TOTP code of a demo login, read from the demo's own logins.
    Code {
        login: String,
        #[arg(long, default_value = "data/demo")]
        data_dir: PathBuf,
    },
}

fn failed(e: DemoError, lang: Lang) -> anyhow::Error {
    match e {
        DemoError::App(app) => app.into(),
        other => anyhow::anyhow!(other.message(lang)),
    }
}

pub fn run(ctx: &Ctx, args: &DemoArgs) -> Result<ExitCode> {
    let lang = ctx.lang;
    if let Some(DemoAction::Code { login, data_dir }) = &args.action {
        let code = closedloop_demo::current_code(data_dir, login, chrono::Utc::now())
            .map_err(|e| failed(e, lang))?;
        println!("{code}");
        return Ok(ExitCode::SUCCESS);
    }
    let opts = PrepareOptions {
        dir: args.data_dir.clone(),
        travelers: args.travelers,
        seed: args.seed,
    };
    if ctx.app.named_database_url().is_some() {
        eprintln!(
            "{}",
            ctx.t(
                "note: the demo keeps its own SQLite in its directory; DATABASE_URL / --database-url is not used",
                "注意：演示使用其目录中自带的 SQLite；不使用 DATABASE_URL / --database-url"
            )
        );
    }
    if !closedloop_demo::Script::path(&opts.dir).exists() {
        eprintln!(
            "{} {} …",
            ctx.t("preparing the demo city in", "正在准备演示城市："),
            opts.dir.display()
        );
    }
    let prepared =
        prepare(ctx.config.clone(), &opts, chrono::Utc::now()).map_err(|e| failed(e, lang))?;
    let s = &prepared.script;
    let travelers: usize = s
        .batches
        .iter()
        .flat_map(|b| &b.stops)
        .map(|st| st.travelers.len())
        .sum();
    let played = s.batches.iter().filter(|b| b.played).count();
    println!(
        "{} {} ({}): {} {}, {} {}, {} {}, {} {}",
        if prepared.reused {
            ctx.t("demo reused from", "沿用演示数据：")
        } else {
            ctx.t("demo prepared in", "演示数据已生成：")
        },
        opts.dir.display(),
        s.date,
        travelers,
        ctx.t("travelers", "名旅客"),
        s.batches.len(),
        ctx.t("batches", "个批次"),
        played,
        ctx.t("delivered this morning", "个已在上午送达"),
        usize::from(s.incident.is_some()),
        ctx.t("incident", "起事件"),
    );
    println!(
        "{} {}",
        ctx.t("demo logins:", "演示账号："),
        opts.dir
            .join(closedloop_demo::script::LOGINS_FILE)
            .display()
    );
    if args.prepare_only {
        return Ok(ExitCode::SUCCESS);
    }
    let serve_opts = ServeOptions {
        port: args.port,
        stop_after: args.stop_after.map(Duration::from_secs),
        speed: args.speed,
        lang,
    };
    serve(prepared.app, &opts.dir, s, &serve_opts).map_err(|e| failed(e, lang))?;
    Ok(ExitCode::SUCCESS)
}
