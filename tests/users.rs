//! `closedloop users` through the real binary, on the backend `DATABASE_URL` names: accounts
//! added with the password on standard input (never on the command line), the TOTP URI for
//! roles that sign in with one, the scope each role needs, listing, disabling, a new TOTP key,
//! bearer tokens printed once.

mod common;

use common::{Env, Run, repo};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

/// `closedloop ARGS` with `stdin` as its standard input.
fn run_with_stdin(env: &Env, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args(["--database-url", &env.db.url_string(), "--config"])
        .arg(repo().join("config/closedloop.toml"))
        .args(["--lang", "en"])
        .args(args)
        .env_remove("DATABASE_URL")
        .current_dir(env.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run closedloop");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn add(env: &Env, args: &[&str], password: &str) -> Run {
    let mut all = vec!["users", "add", "--password-stdin"];
    all.extend_from_slice(args);
    run_with_stdin(env, &all, &format!("{password}\n"))
}

fn list(env: &Env) -> Vec<Value> {
    match env.ok(&["users", "list", "--json"]).json() {
        Value::Array(v) => v,
        other => panic!("expected an array, got {other}"),
    }
}

#[test]
fn accounts_are_added_listed_and_disabled() {
    let env = Env::new();
    let pw = "correct horse battery staple";

    let r = add(
        &env,
        &[
            "--login",
            "Desk.1",
            "--role",
            "dispatcher",
            "--name",
            "Desk One",
        ],
        pw,
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("added desk.1 (dispatcher"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("otpauth://totp/closedloop:desk.1?secret="),
        "dispatchers sign in with TOTP: {}",
        r.stdout
    );
    // The password went in on standard input: it is printed nowhere.
    assert!(!r.stdout.contains(pw) && !r.stderr.contains(pw));

    // Crew need their crew member; without TOTP.
    env.ok(&[
        "crew",
        "add",
        "--staff-no",
        "D-001",
        "--name",
        "Zhang San",
        "--role",
        "driver",
    ]);
    let r = add(
        &env,
        &[
            "--login", "driver.1", "--role", "driver", "--crew", "1", "--json",
        ],
        pw,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let added = r.json();
    assert_eq!(added["totp_uri"], Value::Null);
    assert_eq!(
        (&added["account"]["role"], &added["account"]["crew"]),
        (&json!("driver"), &json!(1))
    );

    // Refusals: each names what is wrong, and nothing is added.
    for (args, password, says) in [
        (
            vec!["--login", "driver.2", "--role", "driver"],
            pw,
            "needs a crew member",
        ),
        (
            vec![
                "--login",
                "hotel.1",
                "--role",
                "hotel_staff",
                "--hotel",
                "H-NONE",
            ],
            pw,
            "no hotel",
        ),
        (
            vec!["--login", "admin.1", "--role", "admin", "--crew", "1"],
            pw,
            "takes no crew",
        ),
        (
            vec!["--login", "desk.1", "--role", "dispatcher"],
            pw,
            "taken",
        ),
        (
            vec!["--login", "short.1", "--role", "auditor"],
            "short",
            "at least 12",
        ),
        (
            vec!["--login", "who?", "--role", "auditor"],
            pw,
            "login is 1 to 64",
        ),
        (
            vec!["--login", "x.1", "--role", "janitor"],
            pw,
            "unknown role",
        ),
    ] {
        let r = add(&env, &args, password);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }

    let accounts = list(&env);
    let logins: Vec<&str> = accounts
        .iter()
        .map(|a| a["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["desk.1", "driver.1"]);
    assert_eq!(accounts[0]["name"], "Desk One");
    assert_eq!(
        (&accounts[0]["totp"], &accounts[0]["disabled"]),
        (&json!(true), &json!(false))
    );
    // The listing carries no secret.
    let text = env.ok(&["users", "list", "--json"]).stdout;
    assert!(
        !text.contains("argon2") && !text.contains("secret"),
        "{text}"
    );
    let table = env.ok(&["users", "list"]).stdout;
    assert!(
        table.contains("desk.1") && table.contains("crew 1"),
        "{table}"
    );

    // A new TOTP key for the desk; none for the driver, who signs in without.
    let r = env.ok(&["users", "reset-totp", "desk.1"]);
    assert!(
        r.stdout
            .contains("otpauth://totp/closedloop:desk.1?secret="),
        "{}",
        r.stdout
    );
    let r = env.run(&["users", "reset-totp", "driver.1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("without TOTP"), "{}", r.stderr);

    // A bearer token, printed once.
    let r = env.ok(&["users", "token", "driver.1", "--name", "tablet"]);
    assert!(r.stdout.trim().starts_with("clt_"), "{}", r.stdout);
    let r = env.run(&["users", "token", "driver.1", "--name", "tablet"]);
    assert_eq!(r.code, 1, "a name once per account");

    let r = env.ok(&["users", "disable", "driver.1"]);
    assert!(r.stdout.contains("disabled"), "{}", r.stdout);
    let accounts = list(&env);
    assert_eq!(accounts[1]["disabled"], true);
    assert_eq!(accounts[0]["disabled"], false);
    let r = env.run(&["users", "token", "driver.1", "--name", "phone"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("disabled"), "{}", r.stderr);
    let r = env.run(&["users", "disable", "nobody"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no account"), "{}", r.stderr);
}
