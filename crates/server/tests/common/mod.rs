//! The real server on a random loopback port (bound to port 0) over a fresh database of the
//! backend `DATABASE_URL` names (unset: a SQLite file in a temporary directory), and a real
//! HTTP client. Each test starts its own server and database, so tests run in parallel.
//! Every endpoint but the service's own takes a signed-in caller: [`Server::login`] adds an
//! account of a role and logs it in, and the server's client then sends its session.

#![allow(dead_code)]

use actix_web::dev::ServerHandle;
use closedloop_app::accounts::{self, AddAccount};
use closedloop_app::config::Config;
use closedloop_app::{AccessRole, App};
use closedloop_store::testing::TestDatabase;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Server {
    pub base: String,
    /// Sends the session of the last [`Server::login`] (anonymous before).
    pub client: Client,
    /// Sends no credentials.
    pub anonymous: Client,
    /// Sessions opened by [`Server::login`], by login.
    sessions: HashMap<String, Session>,
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
    start_configured(false, seed)
}

/// Starts a server that marks its session cookie `Secure` (as behind TLS).
pub fn start_secure() -> Server {
    start_configured(true, |_, _| {})
}

fn start_configured(secure_cookies: bool, seed: impl FnOnce(&App, &Path)) -> Server {
    let db = TestDatabase::from_env().expect("test database");
    let dir = tempfile::tempdir().unwrap();
    seed(&app(&db, dir.path()), dir.path());
    let (base, handle, thread) = serve(app(&db, dir.path()), secure_cookies);
    Server {
        base,
        client: Client::builder().no_proxy().build().unwrap(),
        anonymous: Client::builder().no_proxy().build().unwrap(),
        sessions: HashMap::new(),
        db,
        dir,
        handle,
        thread: Some(thread),
    }
}

type Running = JoinHandle<std::io::Result<()>>;

/// A server over `app` on a random loopback port, in its own thread: its base URL.
fn serve(app: App, secure_cookies: bool) -> (String, ServerHandle, Running) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let opts = closedloop_server::Options {
        json_limit: 1024,
        workers: Some(2),
        secure_cookies,
        // Streams a test left open (server-sent events) must not hold its end for long.
        shutdown_timeout: std::time::Duration::from_secs(3),
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
    (format!("http://{addr}"), handle, thread)
}

/// A second instance of the service over the same database (the way it scales out behind a
/// load balancer): sessions, keys and events are the database's, so either instance answers.
pub struct Instance {
    pub base: String,
    handle: ServerHandle,
    thread: Option<Running>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            actix_web::rt::System::new().block_on(self.handle.stop(true));
            t.join().unwrap().unwrap();
        }
    }
}

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// An account to add for a test: its login, role and scope.
#[derive(Debug, Clone)]
pub struct Account {
    pub login: String,
    pub role: AccessRole,
    pub hotel: Option<String>,
    pub crew: Option<i64>,
    pub port: Option<String>,
}

impl Account {
    /// An account of `role` named after it; port staff work at PVG, hotel staff and crew need
    /// [`Account::hotel`] / [`Account::crew`].
    pub fn of(role: AccessRole) -> Account {
        Account {
            login: accounts::role_code(role).replace('_', "-"),
            role,
            hotel: None,
            crew: None,
            port: (role == AccessRole::PortStaff).then(|| "PVG".to_string()),
        }
    }

    pub fn named(mut self, login: &str) -> Account {
        self.login = login.to_string();
        self
    }

    pub fn hotel(mut self, code: &str) -> Account {
        self.hotel = Some(code.to_string());
        self
    }

    pub fn crew(mut self, id: i64) -> Account {
        self.crew = Some(id);
        self
    }
}

/// A signed-in session: the cookie's token and the CSRF token it answered.
#[derive(Debug, Clone)]
pub struct Session {
    pub login: String,
    pub token: String,
    pub csrf: String,
    /// The `otpauth://` URI of the account's TOTP key, for roles that have one.
    pub totp_uri: Option<String>,
}

impl Session {
    /// A client that sends this session's cookie and CSRF token on every request.
    pub fn client(&self) -> Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::COOKIE,
            format!("closedloop_session={}", self.token)
                .parse()
                .unwrap(),
        );
        h.insert("x-csrf-token", self.csrf.parse().unwrap());
        Client::builder()
            .no_proxy()
            .default_headers(h)
            .build()
            .unwrap()
    }
}

/// The code an authenticator app shows at `unix` seconds for the key of an `otpauth://`
/// URI, computed with `totp-rs` itself (SHA-1, 6 digits, 30 s).
pub fn totp_code(uri: &str, unix: u64) -> String {
    let secret = uri
        .split_once("secret=")
        .and_then(|(_, rest)| rest.split('&').next())
        .expect("a secret in the URI");
    let key = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(key.as_bytes().to_vec())
        .build()
        .unwrap()
        .generate(unix)
        .to_string()
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Adds `account` to the database of `db` (through the app layer, as `closedloop users add`
/// does) with [`PASSWORD`]; the TOTP URI for roles that have one.
pub fn add_account(db: &TestDatabase, dir: &Path, account: &Account) -> Option<String> {
    let added = accounts::add(
        &app(db, dir),
        &AddAccount {
            login: account.login.clone(),
            name: None,
            role: account.role,
            hotel: account.hotel.clone(),
            crew: account.crew,
            port: account.port.clone(),
            password: PASSWORD.into(),
        },
        chrono::Utc::now(),
    )
    .unwrap_or_else(|e| panic!("add {}: {e}", account.login));
    added.totp_uri
}

impl Server {
    /// Signs in as an account of `role` (added on first use): from now on [`Server::client`]
    /// (and `get`, `post_raw`, …) send its session. The one way the tests log in.
    pub fn login(&mut self, role: AccessRole) -> Session {
        self.login_as(&Account::of(role))
    }

    /// Another instance of the service over this server's database.
    pub fn another_instance(&self) -> Instance {
        let (base, handle, thread) = serve(app(&self.db, self.dir.path()), false);
        Instance {
            base,
            handle,
            thread: Some(thread),
        }
    }

    /// Signs in as `account` (added on first use); see [`Server::login`].
    pub fn login_as(&mut self, account: &Account) -> Session {
        let session = match self.sessions.get(&account.login) {
            Some(s) => s.clone(),
            None => {
                let uri = add_account(&self.db, self.dir.path(), account);
                let s = self.open_session(&account.login, uri);
                self.sessions.insert(account.login.clone(), s.clone());
                s
            }
        };
        self.client = session.client();
        session
    }

    /// Logs `login` in over HTTP with [`PASSWORD`] and, for a TOTP URI, the current code.
    pub fn open_session(&self, login: &str, totp_uri: Option<String>) -> Session {
        let mut body = json!({"login": login, "password": PASSWORD});
        if let Some(uri) = &totp_uri {
            body["totp"] = json!(totp_code(uri, unix_now()));
        }
        let r = self
            .anonymous
            .post(self.url("/api/session"))
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "login of {login}");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        let token = cookie
            .strip_prefix("closedloop_session=")
            .and_then(|c| c.split(';').next())
            .expect("the session cookie")
            .to_string();
        let info: Value = r.json().unwrap();
        Session {
            login: login.to_string(),
            token,
            csrf: info["csrf_token"]
                .as_str()
                .expect("a CSRF token")
                .to_string(),
            totp_uri,
        }
    }

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

/// A batch from PVG leaving now for `travelers`: a vehicle with `plate`, a driver with
/// `staff_no`, the trip planned (no check-list done). Its ids.
pub struct Planned {
    pub vehicle: closedloop_domain::ids::VehicleId,
    pub crew: closedloop_domain::ids::CrewId,
    pub trip: closedloop_domain::ids::BatchId,
}

pub fn plan_batch(
    app: &App,
    plate: &str,
    staff_no: &str,
    travelers: &[closedloop_domain::ids::TravelerId],
) -> Planned {
    use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip};
    let vehicle = trips::add_vehicle(
        app,
        &AddVehicle {
            plate: plate.into(),
            seats: 7,
        },
    )
    .unwrap();
    let crew = trips::add_crew(
        app,
        &AddCrew {
            staff_no: staff_no.into(),
            name: "Zhang San".into(),
            role: "driver".into(),
        },
    )
    .unwrap();
    let now = chrono::Utc::now();
    let trip = trips::plan_trip(
        app,
        &PlanTrip {
            vehicle,
            crew: vec![crew],
            stops: PlanTrip::one_stop(travelers),
            port: "PVG".into(),
            depart_at: now,
            arrive_by: now + chrono::TimeDelta::hours(2),
        },
    )
    .unwrap();
    Planned {
        vehicle,
        crew,
        trip,
    }
}
