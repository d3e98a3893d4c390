//! The real server on a random loopback port (bound to port 0) over a fresh database of the
//! backend `DATABASE_URL` names (unset: a SQLite file in a temporary directory), and a real
//! HTTP client. Each test starts its own server and database, so tests run in parallel.

#![allow(dead_code)]

use actix_web::dev::ServerHandle;
use closedloop_app::App;
use closedloop_app::config::Config;
use closedloop_store::testing::TestDatabase;
use reqwest::blocking::{Client, Response};
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Server {
    pub base: String,
    pub client: Client,
    pub db: TestDatabase,
    pub dir: tempfile::TempDir,
    handle: ServerHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

/// The configuration the repository ships, with the ledger key in the test's directory and
/// straight-line travel (the road network has its own tests).
pub fn config(dir: &Path) -> Config {
    let mut config = Config::load(Some(&repo().join("config/closedloop.toml"))).unwrap();
    config.ledger.key_file = dir.join("ledger.key");
    config.roads.osm = None;
    config
}

/// An application over the test's database, as the CLI would open it (to seed data).
pub fn app(db: &TestDatabase, dir: &Path) -> App {
    App::new(config(dir), Some(db.url_string()))
}

pub fn start() -> Server {
    start_with(|_, _| {})
}

/// Starts a server after `seed` wrote what the test needs into its fresh database.
pub fn start_with(seed: impl FnOnce(&App, &Path)) -> Server {
    let db = TestDatabase::from_env().expect("test database");
    let dir = tempfile::tempdir().unwrap();
    seed(&app(&db, dir.path()), dir.path());
    let app = app(&db, dir.path());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let opts = closedloop_server::Options {
        json_limit: 1024,
        workers: Some(2),
        ..Default::default()
    };
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let started = closedloop_server::start(app, listener, &opts)?;
            tx.send((started.addr, started.handle.clone())).unwrap();
            started.server.await
        })
    });
    let (addr, handle) = rx.recv().expect("the server started");
    Server {
        base: format!("http://{addr}"),
        client: Client::builder().no_proxy().build().unwrap(),
        db,
        dir,
        handle,
        thread: Some(thread),
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().unwrap()
    }

    /// GET, expecting `status`, the body as JSON.
    pub fn get_json(&self, path: &str, status: u16) -> Value {
        let r = self.get(path);
        assert_eq!(r.status().as_u16(), status, "GET {path}");
        r.json().unwrap()
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body.into())
            .send()
            .unwrap()
    }

    /// Asks the server to stop gracefully from another thread; joined when it has stopped.
    pub fn stop_in_background(&self) -> std::thread::JoinHandle<()> {
        let handle = self.handle.clone();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(true)))
    }

    /// Stops the server gracefully and waits for it to finish.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(t) = self.thread.take() {
            actix_web::rt::System::new().block_on(self.handle.stop(true));
            t.join().unwrap().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A problem+json answer: its status, content type and body checked, the body returned.
pub fn problem(r: Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "status of a {code} problem");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    let body: Value = r.json().unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["type"], format!("urn:closedloop:problem:{code}"));
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail_zh"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    body
}

/// The property names of a schema of the document.
pub fn properties(doc: &Value, schema: &str) -> Vec<String> {
    let mut p: Vec<String> = doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {schema} in the document"))
        .keys()
        .cloned()
        .collect();
    p.sort();
    p
}

pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

/// `n` travelers on one flight, passports APP0001…, as a manifest file imported by the app.
pub fn import_travelers(app: &App, dir: &Path, n: usize) {
    let mut csv = String::from("Full Name,Passport No.,Nationality,Phone,Flight,Port,Arrival\n");
    for i in 1..=n {
        csv.push_str(&format!(
            "Traveler Number{i},APP{i:04},CHN,1381234{i:04},CA936,PVG,2021-07-01 08:00\n"
        ));
    }
    let file = dir.join("manifest.csv");
    std::fs::write(&file, csv).unwrap();
    let req = closedloop_app::import::ImportRequest {
        file,
        accept_valid: false,
        arrival: None,
        lang: closedloop_domain::Lang::En,
    };
    let out = closedloop_app::import::import(app, &req, &mut |_| {}).unwrap();
    assert!(out.accepted, "{:?}", out.summary);
}
