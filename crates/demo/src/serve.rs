//! The prepared demo served by `closedloop-server` on loopback, as `closedloop serve` serves a
//! database, with the simulated drivers on their own thread (outside the actix runtime, so the
//! blocking HTTP client may wait). `stop_after` bounds the run for tests and CI: the
//! simulation is told to stop, then the server stops gracefully.

use crate::error::{DemoError, Result};
use crate::script::Script;
use crate::simulate::{Simulator, actors};
use chrono::Utc;
use closedloop_app::App;
use closedloop_domain::Lang;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct ServeOptions {
    /// On 127.0.0.1; 0 for any free port.
    pub port: u16,
    pub stop_after: Option<Duration>,
    /// How many times faster than the clock the simulated vehicles drive.
    pub speed: f64,
    pub lang: Lang,
}

/// What a served run did.
pub struct Served {
    pub delivered: usize,
}

/// Serves until SIGINT / SIGTERM or `stop_after`; prints the URL and the logins first.
pub fn serve(app: App, dir: &Path, script: &Script, opts: &ServeOptions) -> Result<Served> {
    let lang = opts.lang;
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port));
    let listener = TcpListener::bind(listen).map_err(|e| DemoError::Listen(listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| DemoError::Listen(listen, e))?;
    let base = format!("http://{addr}");
    // Each simulated phone has its own bearer token, named for this run.
    let now = Utc::now();
    let run = format!("demo-simulator-{}", now.timestamp_millis());
    let mut tokens = HashMap::new();
    for login in actors(script) {
        let t = closedloop_app::accounts::issue_token(&app, &login, &run, now)?;
        tokens.insert(login, t.token);
    }
    let config = app.config.clone();
    let logins = crate::write_logins(script, dir, Some(&base))?;
    println!(
        "{} {base}/",
        lang.pick("closedloop demo serving on", "closedloop 演示服务地址")
    );
    println!("  {} {base}/api/docs", lang.pick("API docs:", "接口文档："));
    println!(
        "  {} {base}/api/events   {} {base}/api/positions",
        lang.pick("live:", "实时："),
        lang.pick("vehicles:", "车辆：")
    );
    println!("{}", lang.pick("Demo logins:", "演示账号："));
    for line in script.summary(lang) {
        println!("  {line}");
    }
    println!(
        "  {} {}",
        lang.pick("every login and TOTP key:", "全部账号及动态码密钥："),
        logins.display()
    );
    println!(
        "  {} closedloop demo code demo-dispatcher --data-dir {}",
        lang.pick("current TOTP code:", "当前动态码："),
        dir.display()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let sim = Simulator::new(base, tokens, opts.speed, stop.clone(), lang);
    let played = script.clone();
    let opts_server = closedloop_server::Options::default();
    let stop_after = opts.stop_after;
    let mut simulator = None;
    let served = actix_web::rt::System::new().block_on(async {
        let started = closedloop_server::start(app, listener, &opts_server)?;
        simulator = Some(std::thread::spawn(move || sim.run(&played)));
        if let Some(after) = stop_after {
            let handle = started.handle.clone();
            let stop = stop.clone();
            actix_web::rt::spawn(async move {
                actix_web::rt::time::sleep(after).await;
                stop.store(true, Ordering::Relaxed);
                handle.stop(true).await;
            });
        }
        started.server.await
    });
    // Stopped by a signal: the simulation stops with it.
    stop.store(true, Ordering::Relaxed);
    let delivered = simulator.map(|t| t.join().unwrap_or(0)).unwrap_or(0);
    served.map_err(|e| DemoError::Io(addr.to_string().into(), e))?;
    // The simulated phones' tokens live for one run.
    let app = crate::demo_app(config, dir);
    for login in actors(script) {
        let _ = closedloop_app::accounts::revoke_token(&app, &login, &run, Utc::now());
    }
    println!(
        "{} {delivered}",
        lang.pick(
            "stopped; batches delivered by the simulated drivers:",
            "已停止；模拟司机送达批次："
        )
    );
    Ok(Served { delivered })
}
