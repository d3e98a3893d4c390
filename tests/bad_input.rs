//! Bad input as desks meet it, through the real binary on both backends: every bad manifest,
//! value or argument is refused with a message that says what is wrong (in the desk's
//! language), quotes no more than an excerpt of the bad value, and changes nothing — no
//! traveler stored, no file written.

mod common;

use common::{Env, Run, repo};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};

const HEADER: &str = "姓名,国籍,证件号码,航班号,入境口岸,抵达时间\n";

fn csv(rows: &[&str]) -> String {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// `closedloop --lang LANG ARGS` against the test's database.
fn run_in(env: &Env, lang: &str, config: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args(["--database-url", &env.db.url_string(), "--config"])
        .arg(config)
        .args(["--lang", lang])
        .args(args)
        .env_remove("DATABASE_URL")
        .current_dir(env.dir.path())
        .output()
        .expect("run closedloop");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn shipped_config() -> std::path::PathBuf {
    repo().join("config/closedloop.toml")
}

/// Imports `file` (`--json`), expecting a refusal; returns its error lines.
fn refused(env: &Env, file: &Path, extra: &[&str]) -> Vec<String> {
    let r = env.import(file, extra);
    assert_ne!(r.code, 0, "accepted:\n{}{}", r.stdout, r.stderr);
    match r.json()["errors"].clone() {
        Value::Array(v) => v
            .into_iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("no errors: {other}"),
    }
}

fn assert_nothing_stored(env: &Env, input: &Path) {
    assert_eq!(
        env.stats()["travelers"],
        0,
        "a refused import stored travelers"
    );
    let stem = input.file_stem().unwrap().to_string_lossy().into_owned();
    let rejected = input.with_file_name(format!("{stem}.rejected.csv"));
    assert!(
        std::fs::symlink_metadata(&rejected).is_err(),
        "{} was written",
        rejected.display()
    );
}

#[test]
fn a_name_longer_than_the_limit_is_a_row_error_and_the_limit_is_configurable() {
    let env = Env::new();
    let long = "长".repeat(10_000);
    let file = env.write(
        "long.csv",
        csv(&[&format!("{long},CHN,E1000001,CA936,PVG,2021-03-05 14:30")]),
    );
    let errors = refused(&env, &file, &[]);
    assert_eq!(
        errors,
        [r#"row 2, column "姓名": is 10000 characters long; at most 100 are allowed"#]
    );
    assert_nothing_stored(&env, &file);

    // `[intake] max_name_chars` sets the limit.
    let config = env.write(
        "strict.toml",
        format!(
            "ports = {:?}\npolicy = {:?}\n[intake]\nmax_name_chars = 3\n",
            repo().join("config/ports.toml"),
            repo().join("config/policy.toml")
        ),
    );
    let file = env.write(
        "four.csv",
        csv(&["欧阳小明,CHN,E1000001,CA936,PVG,2021-03-05 14:30"]),
    );
    let r = run_in(&env, "en", &config, &["import", file.to_str().unwrap()]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("is 4 characters long; at most 3 are allowed"),
        "{}",
        r.stderr
    );
    assert_nothing_stored(&env, &file);
}

#[test]
fn a_50_mb_cell_is_not_echoed() {
    let env = Env::new();
    let huge = "X".repeat(50 * 1024 * 1024);
    let file = env.write(
        "huge.csv",
        csv(&[&format!("张三,CHN,E1000001,CA936,{huge},2021-03-05 14:30")]),
    );
    let r = env.import(&file, &[]);
    assert_ne!(r.code, 0);
    assert!(
        r.stdout.len() + r.stderr.len() < 4_000,
        "the cell was echoed"
    );
    assert_eq!(
        r.json()["errors"],
        json!([
            r#"row 2, column "入境口岸": is 52428800 characters long; at most 500 are allowed"#
        ])
    );
    assert_nothing_stored(&env, &file);

    // A long value that is merely unknown is quoted as an excerpt.
    let odd = "火".repeat(300);
    let file = env.write(
        "odd.csv",
        csv(&[&format!("张三,{odd},E1000001,CA936,PVG,2021-03-05 14:30")]),
    );
    let errors = refused(&env, &file, &[]);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with(&format!(
            "row 2, column \"国籍\": unknown country \"{}…\" (300 characters)",
            "火".repeat(40)
        )),
        "{errors:?}"
    );
    assert_nothing_stored(&env, &file);
}

#[test]
fn arrivals_outside_the_plausible_window_are_row_errors() {
    let env = Env::new();
    let file = env.write(
        "years.csv",
        csv(&[
            "张三,CHN,E1000001,CA936,PVG,2201-03-05 14:30",
            "李四,CHN,E1000002,CA936,PVG,1",
        ]),
    );
    let errors = refused(&env, &file, &[]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            r#"row 2, column "抵达时间": arrival on 2201-03-05 is outside the plausible window 2000-01-01 to "#
        ),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with(r#"row 3, column "抵达时间": arrival on 1900-01-01 is outside"#),
        "{errors:#?}"
    );
    assert_nothing_stored(&env, &file);
}

#[test]
fn json_values_that_are_not_text_are_row_errors() {
    let env = Env::new();
    let base =
        r#""nationality": "CHN", "flight": "CA936", "port": "PVG", "arrival": "2021-03-05 14:30""#;
    let lines = [
        format!(r#"{{"name": {{"first": "三"}}, "passport": "E1000001", {base}}}"#),
        format!(r#"{{"name": "李四", "passport": 110101199003077777, {base}}}"#),
        format!(r#"{{"name": "王五", "passport": "E1000003", "phone": 13812345678, {base}}}"#),
        format!(r#"{{"name": true, "passport": "E1000004", {base}}}"#),
        format!(r#"{{"name": "赵六", "passport": 12345, {base}}}"#),
    ];
    let file = env.write("push.jsonl", lines.join("\n"));
    let errors = refused(&env, &file, &[]);
    let expect = [
        r#"row 1, column "name": is the JSON object "{\"first\":\"三\"}", but text is expected"#,
        r#"row 2, column "passport": is the JSON number "110101199003077777", but text is expected"#,
        r#"row 3, column "phone": is the JSON number "13812345678", but text is expected"#,
        r#"row 4, column "name": is the JSON boolean "true", but text is expected"#,
        r#"row 5, column "passport": is the JSON number "12345", but text is expected"#,
    ];
    assert_eq!(errors.len(), expect.len(), "{errors:#?}");
    for (e, want) in errors.iter().zip(expect) {
        assert!(e.starts_with(want), "{e}\nwanted {want}");
    }
    assert_nothing_stored(&env, &file);
}

#[test]
fn a_json_key_given_twice_is_an_error() {
    let env = Env::new();
    let file = env.write(
        "twice.jsonl",
        r#"{"name": "张三", "passport": "E1000001", "passport": "E1000002", "nationality": "CHN", "flight": "CA936", "port": "PVG", "arrival": "2021-03-05"}"#,
    );
    let r = env.run(&["import", file.to_str().unwrap()]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains(
            r#"twice.jsonl, line 1: the key "passport" appears twice in this object; keep one"#
        ),
        "{}",
        r.stderr
    );
    assert_nothing_stored(&env, &file);
}

#[test]
fn file_level_errors_speak_both_languages() {
    let env = Env::new();
    let cfg = shipped_config();
    let not_found = env.path("missing.csv");
    let neither = env.write("neither.csv", b"name,passport\nx,\xFF\xFF\n");
    let empty = env.write("empty.csv", "");
    let unknown = env.write("blob.bin", [0u8, 1, 2, 3, 0xFF]);
    let header_only = env.write("header.csv", HEADER);
    let cases = [
        (
            &not_found,
            "missing.csv: no such file; check the path and the file name",
            "missing.csv：文件不存在；请检查路径和文件名",
        ),
        (
            &neither,
            "neither.csv, line 2: the file is neither UTF-8 nor GB18030 (GBK)",
            "neither.csv，第 2 行：文件既不是 UTF-8 也不是 GB18030（GBK）编码",
        ),
        (
            &empty,
            "empty.csv: the file has no data (every row is empty)",
            "empty.csv：文件中没有数据（每行都为空）",
        ),
        (
            &unknown,
            "blob.bin: cannot tell the file type",
            "blob.bin：无法识别文件类型",
        ),
        (
            &header_only,
            "header.csv: the header is there but no row below it holds a traveler",
            "header.csv：有表头，但表头下没有任何旅客行",
        ),
    ];
    for (file, en, zh) in cases {
        for (lang, want) in [("en", en), ("zh-CN", zh)] {
            let r = run_in(&env, lang, &cfg, &["import", file.to_str().unwrap()]);
            assert_eq!(
                r.code,
                1,
                "{lang} {}: {}{}",
                file.display(),
                r.stdout,
                r.stderr
            );
            assert!(
                r.stderr.contains(want),
                "{lang}: wanted {want:?} in\n{}",
                r.stderr
            );
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        }
        assert_nothing_stored(&env, file);
    }
}

#[test]
fn exported_cells_cannot_run_as_formulas_and_stored_values_are_kept() {
    let env = Env::new();
    let file = env.write(
        "formula.csv",
        csv(&[
            "@SUM(A1),CHN,E1000001,CA936,PVG,2021-03-05 14:30",
            "=HYPERLINK(\"http://x.example\"),火星,E1000002,CA936,PVG,2021-03-05 14:30",
        ]),
    );
    let r = env.import(&file, &["--accept-valid"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Stored as typed…
    assert_eq!(env.traveler("E1000001")["full_name"], "@SUM(A1)");
    // …listed as text a spreadsheet will not run…
    let listed = env
        .ok(&["travelers", "list", "--format", "csv", "--reveal"])
        .stdout;
    assert!(listed.contains(",'@SUM(A1),"), "{listed}");
    assert!(!listed.contains(",@SUM"), "{listed}");
    // …and the rejected row too.
    let rejected = std::fs::read_to_string(env.path("formula.rejected.csv")).unwrap();
    assert!(
        rejected.contains("\"'=HYPERLINK(\"\"http://x.example\"\")\""),
        "{rejected}"
    );
    assert!(!rejected.contains(",=HYPERLINK"), "{rejected}");

    // The corrected file imports the value the desk typed, not the guard.
    let fixed = rejected.replace("火星", "CHN");
    let again = env.write("fixed.csv", fixed);
    let r = env.import(&again, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        env.traveler("E1000002")["full_name"],
        "=HYPERLINK(\"http://x.example\")"
    );
}

#[test]
fn accept_valid_is_all_or_nothing_when_the_rejected_file_cannot_be_written() {
    let env = Env::new();
    let rows = csv(&[
        "张三,CHN,E1000001,CA936,PVG,2021-03-05 14:30",
        "李四,火星,E1000002,CA936,PVG,2021-03-05 14:30",
    ]);

    // A symbolic link is never written through.
    let file = env.write("linked.csv", &rows);
    let target = env.write("precious.txt", "keep me");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, env.path("linked.rejected.csv")).unwrap();
    #[cfg(unix)]
    {
        let r = env.run(&["import", file.to_str().unwrap(), "--accept-valid"]);
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("linked.rejected.csv")
                && r.stderr.contains("symbolic link")
                && r.stderr.contains("nothing was imported"),
            "{}",
            r.stderr
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        assert_eq!(env.stats()["travelers"], 0);
    }

    // Nor is a name taken by a directory.
    let file = env.write("blocked.csv", &rows);
    std::fs::create_dir(env.path("blocked.rejected.csv")).unwrap();
    let r = env.run(&["import", file.to_str().unwrap(), "--accept-valid"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    assert_eq!(env.stats()["travelers"], 0);
    let left: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn out_of_range_numbers_are_argument_errors() {
    let env = Env::new();
    env.import(
        &env.write(
            "one.csv",
            csv(&["张三,CHN,E1000001,CA936,PVG,2021-03-05 14:30"]),
        ),
        &[],
    );
    for (args, want) in [
        (
            &["purge", "--older-than", "4294967295"][..],
            "4294967295 is not in 0..=36500",
        ),
        (
            &["trace", "--traveler", "1", "--window-days", "4294967295"],
            "4294967295 is not in 0..=3650",
        ),
        (
            &["purge", "--older-than", "99999999999999999999"],
            "invalid value",
        ),
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    assert_eq!(
        env.traveler("E1000001")["full_name"],
        "张三",
        "purged anyway"
    );
}

#[test]
fn a_closed_pipe_ends_the_listing_quietly() {
    let env = Env::new();
    let rows: Vec<String> = (0..3_000)
        .map(|i| format!("旅客{i},CHN,E{i:08},CA936,PVG,2021-03-05 14:30"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    assert_eq!(env.import(&env.write("many.csv", csv(&rows)), &[]).code, 0);
    for format in ["table", "csv", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_closedloop"))
            .args(["--database-url", &env.db.url_string(), "--lang", "en"])
            .args(["travelers", "list", "--format", format])
            .env_remove("DATABASE_URL")
            .current_dir(env.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -1`: read one line, then close the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 64];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{format}: {stderr}");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert!(
                out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
                "{format}: {:?}",
                out.status
            );
        }
    }
}
