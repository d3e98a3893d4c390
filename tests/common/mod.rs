//! Test support: a fresh database per test on the backend `DATABASE_URL` names, and the real
//! `closedloop` binary run against it.

#![allow(dead_code)]

pub mod desk;
pub mod ledger;

use closedloop_store::testing::TestDatabase;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Env {
    pub db: TestDatabase,
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Env {
    pub fn new() -> Env {
        Env {
            db: TestDatabase::from_env().expect("test database"),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Runs `closedloop ARGS` against this test's database, in English, with the shipped
    /// configuration.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_config(&repo().join("config/closedloop.toml"), args)
    }

    /// Runs `closedloop ARGS` with the configuration file `config`.
    pub fn run_with_config(&self, config: &Path, args: &[&str]) -> Run {
        self.run_in("en", config, args)
    }

    /// Runs `closedloop ARGS` with the configuration file `config`, in `lang`.
    pub fn run_in(&self, lang: &str, config: &Path, args: &[&str]) -> Run {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_closedloop"))
            .args(["--database-url", &self.db.url_string(), "--config"])
            .arg(config)
            .args(["--lang", lang])
            .args(args)
            .env_remove("DATABASE_URL")
            .current_dir(self.dir.path())
            .output()
            .expect("run closedloop");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn ok(&self, args: &[&str]) -> Run {
        Self::succeeded(self.run(args), args)
    }

    pub fn ok_with_config(&self, config: &Path, args: &[&str]) -> Run {
        Self::succeeded(self.run_with_config(config, args), args)
    }

    fn succeeded(r: Run, args: &[&str]) -> Run {
        assert_eq!(
            r.code, 0,
            "closedloop {args:?} failed:\n{}\n{}",
            r.stdout, r.stderr
        );
        r
    }

    pub fn import(&self, file: &Path, extra: &[&str]) -> Run {
        let f = file.to_str().unwrap();
        let mut args = vec!["import", f, "--json"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn stats(&self) -> Value {
        self.ok(&["stats", "--json"]).json()
    }

    /// Every stored traveler, unmasked.
    pub fn travelers(&self) -> Vec<Value> {
        match self
            .ok(&["travelers", "list", "--format", "json", "--reveal"])
            .json()
        {
            Value::Array(v) => v,
            other => panic!("expected an array, got {other}"),
        }
    }

    pub fn traveler(&self, document: &str) -> Value {
        self.travelers()
            .into_iter()
            .find(|t| t["document_number"] == document)
            .unwrap_or_else(|| panic!("no traveler with document {document}"))
    }
}
