//! `closedloop serve`: the web service (`closedloop-server`) on the configured database. It
//! binds to loopback by default: no endpoint is authenticated yet.

use anyhow::{Context, Result};
use clap::Args;
use closedloop_app::App;
use closedloop_domain::Lang;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Every endpoint is unauthenticated for now: anything but
    /// a loopback address exposes the travelers' data to the network.
    #[arg(long, default_value = closedloop_server::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Largest JSON body accepted, in KiB (larger: 413).
    #[arg(long, default_value_t = 64)]
    pub body_limit_kib: usize,
    /// Seconds in-flight requests get to finish after SIGINT / SIGTERM.
    #[arg(long, default_value_t = 30)]
    pub shutdown_timeout: u64,
}

pub fn run(app: App, lang: Lang, args: &ServeArgs) -> Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        tracing::warn!(
            address = %args.listen,
            "listening beyond loopback with no authentication: anyone who reaches it reads the data"
        );
    }
    let opts = closedloop_server::Options {
        json_limit: args.body_limit_kib * 1024,
        shutdown_timeout: std::time::Duration::from_secs(args.shutdown_timeout),
        ..Default::default()
    };
    eprintln!(
        "{} http://{}/ ({} http://{}/api/docs)",
        lang.pick("serving on", "服务地址"),
        args.listen,
        lang.pick("API docs:", "接口文档："),
        args.listen
    );
    closedloop_server::run(app, args.listen, &opts)
        .with_context(|| format!("serving on {}", args.listen))?;
    Ok(ExitCode::SUCCESS)
}
