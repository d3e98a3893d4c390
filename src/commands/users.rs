//! `closedloop users add|list|disable|reset-totp|token|revoke-token`: the web service's
//! accounts, for the administrator at the server's shell. Passwords are read without echo (or
//! from standard input with --password-stdin), never from the command line; TOTP URIs and
//! bearer tokens are printed once.

use super::Ctx;
use crate::output::table;
use anyhow::{Result, bail};
use chrono::Utc;
use clap::{Args, Subcommand};
use closedloop_app::accounts::{self, AccountView, AddAccount};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add an account; prints the TOTP URI to scan for roles that sign in with one.
    Add(AddArgs),
    /// List the accounts.
    List(ListArgs),
    /// Disable an account: it cannot log in, its sessions and tokens are revoked.
    Disable(LoginArg),
    /// Give an account a new TOTP key (prints the URI to scan); its sessions are revoked.
    ResetTotp(LoginArg),
    /// Issue a bearer token for an integration acting as this account (printed once).
    Token(TokenArgs),
    /// Revoke a bearer token by name.
    RevokeToken(TokenArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The login: letters, digits, '.', '_' or '-'.
    #[arg(long)]
    pub login: String,
    /// dispatcher, driver, escort, port_staff, hotel_staff, commander, auditor or admin.
    #[arg(long)]
    pub role: String,
    /// The name shown (default: the login).
    #[arg(long)]
    pub name: Option<String>,
    /// The hotel's code, for hotel staff.
    #[arg(long, value_name = "CODE")]
    pub hotel: Option<String>,
    /// The crew member's id, for drivers and escorts.
    #[arg(long, value_name = "ID")]
    pub crew: Option<i64>,
    /// The port's code, for port staff.
    #[arg(long, value_name = "CODE")]
    pub port: Option<String>,
    /// Read the password from the first line of standard input instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
    /// Print {"account": {…}, "totp_uri"}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print [{"id", "login", "name", "role", "hotel", "crew", "port", "totp", "disabled",
    /// "created_at"}].
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LoginArg {
    pub login: String,
    /// Print the answer as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    pub login: String,
    /// The token's name (the integration it is for), unique per account.
    #[arg(long)]
    pub name: String,
    /// Print the answer as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, c: UsersCommand) -> Result<ExitCode> {
    let now = Utc::now();
    match c {
        UsersCommand::Add(a) => add(ctx, a),
        UsersCommand::List(a) => {
            let list = accounts::list(ctx)?;
            if a.json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                print_accounts(ctx, &list);
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Disable(a) => {
            let v = accounts::disable(ctx, &a.login, now)?;
            if a.json {
                println!("{}", serde_json::to_string(&v)?);
            } else {
                println!(
                    "{} {}",
                    ctx.t(
                        "disabled (sessions and tokens revoked):",
                        "已停用（会话与令牌已撤销）："
                    ),
                    v.login
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::ResetTotp(a) => {
            let r = accounts::reset_totp(ctx, &a.login, now)?;
            if a.json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "{}\n{}",
                    ctx.t(
                        "new TOTP key (scan it; the old codes and sessions no longer work):",
                        "新的动态口令密钥（请扫描；旧口令与会话已失效）："
                    ),
                    r.totp_uri
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::Token(a) => {
            let t = accounts::issue_token(ctx, &a.login, &a.name, now)?;
            if a.json {
                println!("{}", serde_json::to_string(&t)?);
            } else {
                eprintln!(
                    "{}",
                    ctx.t(
                        "bearer token (shown once; send it as Authorization: Bearer …):",
                        "持有者令牌（仅显示一次；以 Authorization: Bearer … 发送）："
                    )
                );
                println!("{}", t.token);
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCommand::RevokeToken(a) => {
            accounts::revoke_token(ctx, &a.login, &a.name, now)?;
            if a.json {
                println!("{}", serde_json::json!({"login": a.login, "name": a.name}));
            } else {
                println!("{} {} / {}", ctx.t("revoked:", "已撤销："), a.login, a.name);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_password(ctx: &Ctx, from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password(ctx.t("Password: ", "密码："))?;
    let again = rpassword::prompt_password(ctx.t("Password again: ", "再次输入密码："))?;
    if first != again {
        bail!(
            "{}",
            ctx.t(
                "the passwords differ; nothing was added",
                "两次输入的密码不一致，未新增"
            )
        );
    }
    Ok(first)
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<ExitCode> {
    let role = accounts::parse_role(&a.role)?;
    let password = read_password(ctx, a.password_stdin)?;
    let added = accounts::add(
        ctx,
        &AddAccount {
            login: a.login,
            name: a.name,
            role,
            hotel: a.hotel,
            crew: a.crew,
            port: a.port,
            password,
        },
        Utc::now(),
    )?;
    if a.json {
        println!("{}", serde_json::to_string(&added)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} {} ({}, id {})",
        ctx.t("added", "已新增"),
        added.account.login,
        accounts::role_code(added.account.role),
        added.account.id
    );
    if let Some(uri) = added.totp_uri {
        println!(
            "{}\n{uri}",
            ctx.t(
                "TOTP key (scan it into an authenticator app; shown once):",
                "动态口令密钥（请用身份验证器扫描；仅显示一次）："
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_accounts(ctx: &Ctx, list: &[AccountView]) {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|v| {
            let scope = match (&v.hotel, v.crew, &v.port) {
                (Some(h), _, _) => format!("{} {h}", ctx.t("hotel", "酒店")),
                (_, Some(c), _) => format!("{} {c}", ctx.t("crew", "人员")),
                (_, _, Some(p)) => format!("{} {p}", ctx.t("port", "口岸")),
                _ => String::new(),
            };
            vec![
                v.id.to_string(),
                v.login.clone(),
                v.name.clone(),
                accounts::role_code(v.role).to_string(),
                scope,
                if v.totp { "TOTP" } else { "" }.to_string(),
                if v.disabled {
                    ctx.t("disabled", "已停用")
                } else {
                    ctx.t("active", "启用")
                }
                .to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "id",
                ctx.t("login", "账号"),
                ctx.t("name", "名称"),
                ctx.t("role", "角色"),
                ctx.t("scope", "范围"),
                "",
                ctx.t("status", "状态"),
            ],
            &rows
        )
    );
}
