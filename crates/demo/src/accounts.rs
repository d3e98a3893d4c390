//! The demo's accounts, one for each of the eight roles and one for every crew member and
//! hotel the simulated day needs, added through the app's accounts use case with generated
//! passwords.

use crate::error::Result;
use crate::script::Login;
use chrono::{DateTime, Utc};
use closedloop_app::App;
use closedloop_app::accounts::{self, AddAccount, role_code};
use closedloop_app::mask::AccessRole;

pub fn hotel_login(code: &str) -> String {
    format!("demo-hotel-{}", code.to_lowercase())
}

pub fn crew_login(role: AccessRole, crew: i64) -> String {
    format!("demo-{}-{crew}", role_code(role))
}

/// Sixteen random characters: the demo's passwords and nothing else.
fn password() -> Result<String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| crate::error::DemoError::City(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

struct Scope<'a> {
    hotel: Option<&'a str>,
    crew: Option<i64>,
    port: Option<&'a str>,
}

fn add(
    app: &App,
    login: String,
    name: &str,
    role: AccessRole,
    scope: Scope,
    now: DateTime<Utc>,
) -> Result<Login> {
    let password = password()?;
    let added = accounts::add(
        app,
        &AddAccount {
            login: login.clone(),
            name: Some(name.to_string()),
            role,
            hotel: scope.hotel.map(str::to_string),
            crew: scope.crew,
            port: scope.port.map(str::to_string),
            password: password.clone(),
        },
        now,
    )?;
    Ok(Login {
        login,
        role: role_code(role).into(),
        password,
        totp_uri: added.totp_uri,
        crew: scope.crew,
        hotel: scope.hotel.map(str::to_string),
        port: scope.port.map(str::to_string),
    })
}

/// Every demo account: the desk roles first, then the port, the hotels and the crew.
pub fn create(
    app: &App,
    port: &str,
    hotels: &[String],
    crew: &[(i64, bool)],
    now: DateTime<Utc>,
) -> Result<Vec<Login>> {
    let none = || Scope {
        hotel: None,
        crew: None,
        port: None,
    };
    let mut out = Vec::new();
    for (role, login, name) in [
        (
            AccessRole::Dispatcher,
            "demo-dispatcher",
            "Demo dispatcher 演示调度员",
        ),
        (
            AccessRole::Commander,
            "demo-commander",
            "Demo commander 演示指挥长",
        ),
        (
            AccessRole::Auditor,
            "demo-auditor",
            "Demo auditor 演示审计员",
        ),
        (
            AccessRole::Admin,
            "demo-admin",
            "Demo administrator 演示管理员",
        ),
    ] {
        out.push(add(app, login.into(), name, role, none(), now)?);
    }
    out.push(add(
        app,
        "demo-port".into(),
        "Demo port staff 演示口岸工作人员",
        AccessRole::PortStaff,
        Scope {
            port: Some(port),
            ..none()
        },
        now,
    )?);
    for code in hotels {
        out.push(add(
            app,
            hotel_login(code),
            &format!("Demo hotel staff {code} 演示酒店工作人员"),
            AccessRole::HotelStaff,
            Scope {
                hotel: Some(code),
                ..none()
            },
            now,
        )?);
    }
    let mut crew = crew.to_vec();
    crew.sort_by_key(|&(id, driver)| (!driver, id));
    for (id, driver) in crew {
        let role = if driver {
            AccessRole::Driver
        } else {
            AccessRole::Escort
        };
        out.push(add(
            app,
            crew_login(role, id),
            &format!("Demo crew {id} 演示转运人员"),
            role,
            Scope {
                crew: Some(id),
                ..none()
            },
            now,
        )?);
    }
    Ok(out)
}
