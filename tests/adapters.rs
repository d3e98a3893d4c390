//! The command line as a user meets it: repeated errors read as row ranges, a closed pipe
//! ends a listing quietly, errors reach a zh-CN desk in Chinese with the command to run.

mod common;

use common::{Env, repo};
use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn forty_identical_errors_read_as_one_line_naming_the_rows() {
    let env = Env::new();
    let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "Traveler {i},RNG{i:04},CHN,G1234,北京西站,2021-07-01 08:00\n"
        ));
    }
    let r = env.import(&env.write("g1234.csv", csv), &[]);
    assert_eq!(r.code, 1);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let line = errors[0].as_str().unwrap();
    assert!(
        line.starts_with("rows 2–41") && line.contains("北京西站"),
        "{line}"
    );
    assert_eq!(env.stats()["travelers"], 0);
}

#[test]
fn a_listing_into_a_closed_pipe_ends_quietly() {
    let env = Env::new();
    let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 0..3000 {
        csv.push_str(&format!(
            "Traveler {i},PIPE{i:05},CHN,CA936,PVG,2021-07-01 08:00\n"
        ));
    }
    assert_eq!(env.import(&env.write("big.csv", csv), &[]).code, 0);
    for format in ["table", "csv", "json"] {
        // `closedloop travelers list | head -c 100`: the reader stops long before the end.
        let mut child = Command::new(env!("CARGO_BIN_EXE_closedloop"))
            .args(["--database-url", &env.db.url_string(), "--config"])
            .arg(repo().join("config/closedloop.toml"))
            .args(["--lang", "en", "travelers", "list", "--format", format])
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{format}: {stderr}"
        );
    }
}

#[test]
fn errors_reach_a_chinese_desk_in_chinese_with_the_command_to_run() {
    let env = Env::new();
    // The key file in the test's directory, not yet created.
    let config = env.write("closedloop.toml", "data_dir = \".\"\n");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_closedloop"))
            .args(["--database-url", &env.db.url_string(), "--config"])
            .arg(&config)
            .args(["--lang", "zh-CN"])
            .args(args)
            .env_remove("DATABASE_URL")
            .current_dir(env.dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["ledger", "proof", "--traveler", "1", "--out", "b.json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("账本密钥文件") && stderr.contains("closedloop ledger init"),
        "{stderr}"
    );

    let out = run(&["trip", "approve", "--trip", "999"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("车次") && !stderr.contains("trip 999"),
        "{stderr}"
    );

    let bad_url = Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args(["--database-url", "mysql://x/y", "--lang", "zh-CN", "stats"])
        .env_remove("DATABASE_URL")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad_url.stderr);
    assert_eq!(bad_url.status.code(), Some(1));
    assert!(stderr.starts_with("错误："), "{stderr}");
}
