//! `closedloop`: the one binary, an adapter over `closedloop_app`: commands in [`commands`]
//! parse arguments, call a use case and print its answer; [`fail`] turns errors into messages
//! and exit codes.

#[cfg(feature = "bench")]
mod bench;
mod commands;
mod fail;
mod output;

use clap::Parser;
use std::process::ExitCode;

/// Intake allocates a string per cell and diesel a buffer per bound value: glibc's allocator
/// made up a sixth of a 100,000-row import.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    fail::quiet_on_closed_pipe();
    let cli = commands::Cli::parse();
    init_tracing(cli.global.verbose, cli.command.is_serve());
    let lang = commands::lang(cli.global.lang);
    match commands::run(cli, lang) {
        Ok(code) => code,
        Err(e) => fail::report(&e, lang),
    }
}

/// Logs go to stderr so that `--json` and `--format csv` output stays clean on stdout. The
/// server logs each request (info) unless told otherwise.
fn init_tracing(verbose: u8, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 if serving => "info",
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter =
        EnvFilter::try_from_env("CLOSEDLOOP_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
