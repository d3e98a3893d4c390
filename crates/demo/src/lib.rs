//! `closedloop demo`: a demo city on a fresh machine. [`prepare`] builds (or reuses) an
//! embedded SQLite in a directory with a day over the shipped extract — ports, hotels and the
//! designated hospital, vehicles, crews, an account per role, the day's arrivals imported, the
//! plan approved ([`city`]) and the morning already played through the app's use cases
//! ([`morning`]) — and [`serve()`] serves it while simulated drivers play the rest of the day
//! through the HTTP API in accelerated time ([`simulate`]).
//!
//! The demo is SQLite only, by design: it is embedded in its directory and needs nothing but
//! the binary.

pub mod accounts;
pub mod answers;
pub mod city;
pub mod error;
pub mod morning;
pub mod script;
pub mod serve;
pub mod simulate;

pub use error::{DemoError, Result};
pub use script::{Script, current_code};
pub use serve::{ServeOptions, serve};

use chrono::{DateTime, Utc};
use closedloop_app::App;
use closedloop_app::config::Config;
use script::{DATABASE_FILE, LOGINS_FILE};
use std::path::{Path, PathBuf};

pub struct PrepareOptions {
    pub dir: PathBuf,
    /// Travelers of the day.
    pub travelers: usize,
    pub seed: u64,
}

/// A prepared demo: the application over its database, and its script.
pub struct Prepared {
    pub app: App,
    pub script: Script,
    /// Found prepared in the directory rather than built now.
    pub reused: bool,
}

/// The application over the demo's own files: its database and ledger key in `dir`, whatever
/// `DATABASE_URL` or the configuration name; no webhook is called for a demo's day.
pub fn demo_app(mut config: Config, dir: &Path) -> App {
    config.data_dir = dir.to_path_buf();
    config.database_url = None;
    config.notify.webhooks.clear();
    config.ledger.key_file = dir.join("ledger.key");
    App::new(config, Some(dir.join(DATABASE_FILE).display().to_string()))
}

/// Reuses the demo prepared in `opts.dir`, or builds one there. A directory holding a
/// database but no finished demo is refused, never overwritten.
pub fn prepare(config: Config, opts: &PrepareOptions, now: DateTime<Utc>) -> Result<Prepared> {
    let dir = &opts.dir;
    std::fs::create_dir_all(dir).map_err(|e| DemoError::io(dir, e))?;
    if Script::path(dir).exists() {
        let script = Script::load(dir)?;
        return Ok(Prepared {
            app: demo_app(config, dir),
            script,
            reused: true,
        });
    }
    let db = dir.join(DATABASE_FILE);
    if db.exists() {
        return Err(DemoError::NotADemo(
            db,
            "a database without demo.json: an unfinished preparation or another database".into(),
        ));
    }
    let app = demo_app(config, dir);
    let city = city::build(
        &app,
        dir,
        &city::CityOptions {
            travelers: opts.travelers,
            seed: opts.seed,
        },
        now,
    )?;
    let mut batches = morning::batches(&city)?;
    let incident = morning::play(&app, city.port.id, &mut batches, now)?;
    let mut hotels: Vec<String> = city.hotels.keys().cloned().collect();
    hotels.sort();
    let crew: Vec<(i64, bool)> = city.crew.values().copied().collect();
    let logins = accounts::create(&app, &city.port.code, &hotels, &crew, now)?;
    let script = Script {
        format: script::FORMAT.into(),
        date: city.day.date,
        prepared_at: now,
        port: city.port,
        logins,
        batches,
        incident,
    };
    write_logins(&script, dir, None)?;
    script.save(dir)?;
    Ok(Prepared {
        app,
        script,
        reused: false,
    })
}

/// `DIR/logins.txt`, readable by its owner only.
pub fn write_logins(script: &Script, dir: &Path, base: Option<&str>) -> Result<PathBuf> {
    let path = dir.join(LOGINS_FILE);
    let text = script.logins_text(base.unwrap_or("(not serving)"), dir);
    std::fs::write(&path, text).map_err(|e| DemoError::io(&path, e))?;
    script::owner_only(&path);
    Ok(path)
}
