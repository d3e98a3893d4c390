//! How the command line fails: an application error in the desk's language with the command
//! to run next where there is one (advice about commands lives here, not in the libraries),
//! and a closed pipe (`closedloop travelers list | head`) ends the program quietly, like `ls`.

use closedloop_app::AppError;
use closedloop_domain::Lang;
use std::process::ExitCode;

/// Prints `e` on stderr and returns exit code 1.
pub fn report(e: &anyhow::Error, lang: Lang) -> ExitCode {
    let head = lang.pick("error: ", "错误：");
    if let Some(app) = e.downcast_ref::<AppError>() {
        eprintln!("{head}{}", app.message(lang));
        if let Some(advice) = advice(app.code(), lang) {
            eprintln!("{advice}");
        }
    } else {
        eprintln!("{head}{e:#}");
    }
    ExitCode::FAILURE
}

/// The command that helps after an error with this code.
pub fn advice(code: &str, lang: Lang) -> Option<&'static str> {
    Some(match code {
        "ledger_key_missing" => lang.pick(
            "run `closedloop ledger init`, or restore the key file from its backup",
            "请运行 `closedloop ledger init`，或从备份恢复密钥文件",
        ),
        "ledger_state_unreadable"
        | "ledger_head_unreadable"
        | "ledger_gap"
        | "stored_data_unreadable" => lang.pick(
            "run `closedloop ledger verify`: it names what was edited",
            "请运行 `closedloop ledger verify`：它会指出被改动的记录",
        ),
        "migrations_pending" => lang.pick(
            "run `closedloop db migrate` (as a user who may write the database), then retry",
            "请（以可写入数据库的用户）运行 `closedloop db migrate` 后重试",
        ),
        "database_missing" => lang.pick(
            "import a manifest, or run `closedloop db migrate`, to create it; or check --database-url",
            "请先导入名单或运行 `closedloop db migrate` 以创建数据库；或检查 --database-url",
        ),
        "database_read_only" => lang.pick(
            "commands that only read (stats, travelers list, loops, record, trace, ledger verify…) work on it; to write, give write permission on the file and its directory",
            "只读的命令（stats、travelers list、loops、record、trace、ledger verify 等）仍可使用；如需写入，请授予该文件及其目录的写权限",
        ),
        "foreign_database" => lang.pick(
            "point --database-url (or DATABASE_URL) at closedloop's database, or at a new file",
            "请将 --database-url（或 DATABASE_URL）指向 closedloop 的数据库或一个新文件",
        ),
        "unknown_port" => lang.pick(
            "ports are configured in config/ports.toml",
            "口岸在 config/ports.toml 中配置",
        ),
        "unsupported_by_model" => lang.pick(
            "give an extract with --osm FILE (or [roads] osm in the configuration)",
            "请用 --osm FILE 指定路网数据（或在配置的 [roads] osm 中设置）",
        ),
        _ => return None,
    })
}

/// Writing to a closed pipe ends the process silently (the default disposition of SIGPIPE,
/// which Rust's runtime ignores, turning every later `println!` into a panic).
pub fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
