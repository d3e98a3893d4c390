//! `closedloop serve`: the web service (`closedloop-server`) on the configured database. Every
//! endpoint but health, readiness, metrics, the API documents and logging in takes a
//! signed-in account (`closedloop users add`); it binds to loopback unless told otherwise.

use anyhow::{Context, Result};
use clap::Args;
use closedloop_app::App;
use closedloop_domain::Lang;
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Beyond loopback, put it behind TLS and pass
    /// --secure-cookies.
    #[arg(long, default_value = closedloop_server::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Largest JSON body accepted, in KiB (larger: 413).
    #[arg(long, default_value_t = 64)]
    pub body_limit_kib: usize,
    /// Seconds in-flight requests get to finish after SIGINT / SIGTERM.
    #[arg(long, default_value_t = 30)]
    pub shutdown_timeout: u64,
    /// Mark the session cookie Secure: browsers reach the service over HTTPS (directly or
    /// through a proxy that terminates TLS).
    #[arg(long)]
    pub secure_cookies: bool,
    /// A reverse proxy (load balancer) in front of the service, by IP address; repeat for
    /// each. From it, the client's address is the last one X-Forwarded-For names (the login
    /// lockout counts failures per address).
    #[arg(long, value_name = "IP")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
}

pub fn run(app: App, lang: Lang, args: &ServeArgs) -> Result<ExitCode> {
    if !args.listen.ip().is_loopback() && !args.secure_cookies {
        tracing::warn!(
            address = %args.listen,
            "listening beyond loopback without --secure-cookies: sessions would travel in clear text unless TLS is in front"
        );
    }
    let opts = closedloop_server::Options {
        json_limit: args.body_limit_kib * 1024,
        shutdown_timeout: std::time::Duration::from_secs(args.shutdown_timeout),
        secure_cookies: args.secure_cookies,
        trusted_proxies: args.trusted_proxy.clone(),
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
