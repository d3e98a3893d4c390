//! Commands that only read work on a database nobody may write and leave it byte for byte as
//! it was; they never migrate (a pending migration is a clear error); a write command on a
//! read-only file says so; a SQLite file that belongs to another program is refused and never
//! altered, by reading and writing commands alike.
//!
//! SQLite only (the file's permissions are the point), except the pending-migration test,
//! which runs on the backend DATABASE_URL names. Run as root, the read-only commands are run
//! as `nobody` (through `setpriv`) when it is available: root may write any file, so only then
//! does SQLite really meet a file and a directory it may not write.

mod common;

use closedloop_store::custody::{self, PartyRole};
use closedloop_store::testing::TestDatabase;
use closedloop_store::{DatabaseUrl, Store};
use common::ledger::{Custody, ORIGIN, at, handover, party};
use common::{Env, Run, repo};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const NOBODY: u32 = 65534;
const SETPRIV: &str = "/usr/bin/setpriv";

/// A SQLite database whatever DATABASE_URL says, with the key file in the test's directory
/// and `ledger init` run.
fn sqlite_custody() -> Custody {
    let env = Env {
        db: TestDatabase::sqlite(),
        dir: tempfile::tempdir().unwrap(),
    };
    let config = env.write(
        "closedloop.toml",
        format!("data_dir = \".\"\n[ledger]\norigin = \"{ORIGIN}\"\n"),
    );
    let c = Custody { env, config };
    c.ok(&["ledger", "init"]);
    c
}

fn sqlite_path(db: &TestDatabase) -> PathBuf {
    match &db.url {
        DatabaseUrl::Sqlite(p) => p.clone(),
        DatabaseUrl::Postgres(_) => unreachable!("a SQLite test database"),
    }
}

/// Four travelers, a trip, two of them handed from the port desk to the trip's escort, one
/// incident: something for every read command to show.
fn scenario(c: &Custody) -> (i64, i64) {
    let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 1..=4 {
        csv.push_str(&format!(
            "Traveler {i},R{i:07},CHN,CA936,PVG,2021-03-05 14:30\n"
        ));
    }
    let ids = c.import(&csv);
    let t: Vec<i64> = (1..=4).map(|i| ids[&format!("R{i:07}")]).collect();
    let store = c.store();
    let mut conn = store.conn().unwrap();
    let v = custody::add_vehicle(&mut conn, "沪A00009", 20).unwrap();
    let crew = custody::add_crew(&mut conn, "S0009", "Escort Nine", "escort").unwrap();
    let port = store.ports().unwrap()[0].id;
    drop(conn);
    let trip = c.trip(&store, v, &[crew], &t, at(0, 15, 0), at(0, 17, 0));
    c.record(
        &store,
        &[handover(
            trip,
            party(PartyRole::PortStaff, port),
            party(PartyRole::Crew, crew),
            at(0, 15, 0),
            &t[..2],
        )],
    );
    drop(store);
    c.ok(&[
        "incident",
        "open",
        "--kind",
        "vehicle_breakdown",
        "--severity",
        "minor",
        "--trip",
        &trip.to_string(),
        "--description",
        "flat tyre on the ring road",
        "--at",
        "2021-03-05 15:20",
        "--json",
    ]);
    (t[0], trip)
}

/// The database file's bytes and modification time.
fn fingerprint(path: &Path) -> (Vec<u8>, i64, i64) {
    let m = std::fs::metadata(path).unwrap();
    (std::fs::read(path).unwrap(), m.mtime(), m.mtime_nsec())
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown_all(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).unwrap();
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            chown_all(&e.unwrap().path(), uid);
        }
    }
}

/// Makes the database file and its directory read-only (0444, 0555) until dropped. Run as
/// root with `setpriv` at hand, commands then run as `nobody`, owning the test's files.
struct ReadOnly {
    db: PathBuf,
    /// A link to (or copy of) the binary where `nobody` may run it.
    as_nobody: Option<PathBuf>,
    /// Whether the commands run by a user the permissions bind (not root).
    bound: bool,
}

impl ReadOnly {
    fn new(c: &Custody) -> ReadOnly {
        let db = sqlite_path(&c.env.db);
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let can_switch = root
            && Command::new(SETPRIV)
                .args([
                    "--reuid",
                    "65534",
                    "--regid",
                    "65534",
                    "--clear-groups",
                    "true",
                ])
                .status()
                .is_ok_and(|s| s.success());
        let as_nobody = can_switch.then(|| {
            let bin = c.env.path("closedloop-bin");
            let real = env!("CARGO_BIN_EXE_closedloop");
            if std::fs::hard_link(real, &bin).is_err() {
                std::fs::copy(real, &bin).unwrap();
            }
            chown_all(c.env.dir.path(), NOBODY);
            chown_all(db.parent().unwrap(), NOBODY);
            bin
        });
        chmod(&db, 0o444);
        chmod(db.parent().unwrap(), 0o555);
        let bound = !root || as_nobody.is_some();
        ReadOnly {
            db,
            as_nobody,
            bound,
        }
    }

    /// `closedloop ARGS` against the read-only database, as `nobody` when run as root.
    fn run(&self, c: &Custody, args: &[&str]) -> Run {
        let mut cmd = match &self.as_nobody {
            Some(bin) => {
                let mut cmd = Command::new(SETPRIV);
                let id = NOBODY.to_string();
                cmd.args(["--reuid", &id, "--regid", &id, "--clear-groups"])
                    .arg(bin);
                cmd
            }
            None => Command::new(env!("CARGO_BIN_EXE_closedloop")),
        };
        let out = cmd
            .args(["--database-url", &c.env.db.url_string(), "--config"])
            .arg(&c.config)
            .args(["--lang", "en"])
            .args(args)
            .env_remove("DATABASE_URL")
            .current_dir(c.env.dir.path())
            .output()
            .expect("run closedloop");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = std::fs::set_permissions(
            self.db.parent().unwrap(),
            std::fs::Permissions::from_mode(0o755),
        );
        let _ = std::fs::set_permissions(&self.db, std::fs::Permissions::from_mode(0o644));
    }
}

#[test]
fn read_commands_work_on_a_read_only_file_and_leave_it_unchanged() {
    let c = sqlite_custody();
    let (traveler, _trip) = scenario(&c);
    let db = sqlite_path(&c.env.db);
    let before = fingerprint(&db);
    let listing = || {
        let mut v: Vec<_> = std::fs::read_dir(db.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let files = listing();
    let ro = ReadOnly::new(&c);
    let id = traveler.to_string();
    let bundle = c.env.path("bundle.json");
    let reads: Vec<Vec<&str>> = vec![
        vec!["stats", "--json"],
        vec!["travelers", "list", "--format", "json"],
        vec!["travelers", "list", "--format", "csv", "--arrival", "CA936"],
        vec!["loops", "--all", "--json"],
        vec!["loops"],
        vec!["record", "--json"],
        vec!["trace", "--traveler", &id, "--json"],
        vec!["incident", "list", "--json"],
        vec!["ledger", "verify"],
        vec![
            "ledger",
            "proof",
            "--traveler",
            &id,
            "--out",
            bundle.to_str().unwrap(),
        ],
        vec!["ledger", "checkpoint"],
        vec!["db", "status"],
    ];
    for args in &reads {
        let r = ro.run(&c, args);
        assert_eq!(
            r.code, 0,
            "closedloop {args:?} on a read-only database:\n{}\n{}",
            r.stdout, r.stderr
        );
    }
    let stats = ro.run(&c, &["stats", "--json"]).json();
    assert_eq!(stats["travelers"], 4, "{stats}");
    let verified = ro.run(&c, &["ledger", "verify"]);
    assert!(
        verified.stdout.contains("ledger verified: "),
        "{}",
        verified.stdout
    );
    assert_eq!(
        fingerprint(&db),
        before,
        "a read command changed the database file"
    );
    if ro.bound {
        // Not even a -shm file beside it: the directory really was read-only to them.
        assert_eq!(listing(), files);
    }

    // A command that writes says why it cannot, and changes nothing.
    let csv = c.env.write(
        "more.csv",
        "Full Name,Passport No.,Nationality,Flight,Port,Arrival\n\
         Late Comer,R0000099,CHN,CA936,PVG,2021-03-05 14:30\n",
    );
    for args in [
        vec!["vehicles", "add", "--plate", "沪A00010", "--seats", "9"],
        vec!["import", csv.to_str().unwrap()],
        vec!["db", "migrate"],
    ] {
        let r = ro.run(&c, &args);
        assert_eq!(r.code, 1, "{args:?} on a read-only database: {}", r.stdout);
        assert!(
            r.stderr
                .contains("is read-only: this needs to write to the database"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("database is locked"), "{}", r.stderr);
    }
    assert_eq!(fingerprint(&db), before, "a refused write changed the file");
    drop(ro);
    // Writable again, it is as it was.
    assert_eq!(c.env.stats()["travelers"], 4);
}

/// The newest migration's version, as diesel records it.
fn newest_migration(db: &TestDatabase) -> String {
    let store = Store::open(&db.url).unwrap();
    store.applied_migrations().unwrap().last().unwrap().clone()
}

#[test]
fn a_read_command_does_not_migrate_and_says_a_migration_is_pending() {
    let env = Env::new();
    env.ok(&["db", "migrate"]);
    let newest = newest_migration(&env.db);
    // As if this binary were newer than the database.
    env.db
        .execute(&format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = '{newest}'"
        ))
        .unwrap();
    let before = match &env.db.url {
        DatabaseUrl::Sqlite(p) => Some(fingerprint(p)),
        DatabaseUrl::Postgres(_) => None,
    };
    for args in [
        vec!["stats"],
        vec!["travelers", "list"],
        vec!["ledger", "verify"],
        vec!["loops"],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert!(
            r.stderr.contains(&format!(
                "the database lacks 1 migration(s) of this version ({newest}); a command that only reads does not apply them"
            )),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("closedloop db migrate"), "{}", r.stderr);
    }
    let zh = std::process::Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args([
            "--database-url",
            &env.db.url_string(),
            "--lang",
            "zh-CN",
            "stats",
        ])
        .env_remove("DATABASE_URL")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    let zh = String::from_utf8_lossy(&zh.stderr);
    assert!(zh.contains("数据库缺少本版本的 1 个迁移"), "{zh}");
    if let (DatabaseUrl::Sqlite(p), Some(before)) = (&env.db.url, before) {
        assert_eq!(fingerprint(p), before, "a read command wrote to the file");
    }
    let status = env.ok(&["db", "status"]);
    assert!(
        status
            .stdout
            .contains(&format!("pending migrations: {newest}")),
        "{}",
        status.stdout
    );
    // Recorded again (the schema never lost it), reading works again.
    env.db
        .execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{newest}')"
        ))
        .unwrap();
    assert_eq!(env.stats()["travelers"], 0);
}

#[test]
fn a_read_command_on_a_missing_file_creates_nothing() {
    let env = Env {
        db: TestDatabase::sqlite(),
        dir: tempfile::tempdir().unwrap(),
    };
    let path = sqlite_path(&env.db);
    let r = env.run(&["stats"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!(
            "there is no database at {} yet: nothing has been stored",
            path.display()
        )),
        "{}",
        r.stderr
    );
    assert!(!path.exists(), "a read command created the database");
}

/// Runs each of a reading, a writing and the migrating command against `file`; each must be
/// refused with `says`, leaving the file (and its directory's listing) as it was.
fn refused_untouched(file: &Path, says: &str) {
    let before = fingerprint(file);
    let dir = file.parent().unwrap();
    let listing = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let files = listing(dir);
    let env_dir = tempfile::tempdir().unwrap();
    let manifest = env_dir.path().join("m.csv");
    std::fs::write(
        &manifest,
        "Full Name,Passport No.,Nationality,Flight,Port,Arrival\n\
         Some One,F0000001,CHN,CA936,PVG,2021-03-05 14:30\n",
    )
    .unwrap();
    for args in [
        vec!["stats"],
        vec!["import", manifest.to_str().unwrap()],
        vec!["db", "migrate"],
        vec!["db", "status"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_closedloop"))
            .args(["--database-url", file.to_str().unwrap(), "--config"])
            .arg(repo().join("config/closedloop.toml"))
            .args(["--lang", "en"])
            .args(&args)
            .env_remove("DATABASE_URL")
            .current_dir(env_dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("is not a closedloop database") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("it was left untouched"), "{stderr}");
        assert_eq!(fingerprint(file), before, "{args:?} altered the file");
        assert_eq!(listing(dir), files, "{args:?} left files beside it");
    }
}

/// Runs `sql` on a new SQLite file with SQLite's defaults (a rollback journal), as another
/// program would.
fn other_programs_file(dir: &Path, sql: &str) -> PathBuf {
    let path = dir.join("other.db");
    closedloop_store::testing::foreign_sqlite_file(&path, sql).unwrap();
    path
}

#[test]
fn another_programs_sqlite_file_is_refused_and_never_altered() {
    let dir = tempfile::tempdir().unwrap();
    let file = other_programs_file(
        dir.path(),
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         INSERT INTO customers (name) VALUES ('Ada'), ('Grace');
         CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER);",
    );
    refused_untouched(
        &file,
        "it holds tables (customers, orders) but no closedloop migrations",
    );
}

#[test]
fn another_diesel_programs_file_is_refused_and_never_altered() {
    let dir = tempfile::tempdir().unwrap();
    let file = other_programs_file(
        dir.path(),
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL,
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
         INSERT INTO __diesel_schema_migrations (version) VALUES ('20190101000000');
         CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);",
    );
    refused_untouched(
        &file,
        "it records migrations this version of closedloop does not know (20190101000000)",
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_never_altered() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.db");
    std::fs::write(
        &file,
        "these are someone's notes, not a database\n".repeat(200),
    )
    .unwrap();
    refused_untouched(&file, "the file is not a SQLite database");
}
