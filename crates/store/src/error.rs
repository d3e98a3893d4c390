//! What the store refuses or fails at. Each error has a stable [`code`](StoreError::code) for
//! callers that branch on it (the web API's problem types, the CLI's advice) and a text in both
//! languages ([`message`](StoreError::message)); `Display` is the English text. The texts say
//! what happened and what to fix in the data or configuration, never which command to run:
//! that advice belongs to the caller.
//!
//! | code | variant |
//! |---|---|
//! | `bad_database_url` | [`StoreError::BadUrl`] |
//! | `database_unreachable` | [`StoreError::Connect`] |
//! | `data_dir_unavailable` | [`StoreError::DataDir`] |
//! | `database_pool` | [`StoreError::Pool`] |
//! | `database_error` | [`StoreError::Query`] |
//! | `migration_failed` | [`StoreError::Migration`] |
//! | `migrations_pending` | [`StoreError::MigrationsPending`] |
//! | `database_missing` | [`StoreError::DatabaseMissing`] |
//! | `database_read_only` | [`StoreError::ReadOnly`] |
//! | `foreign_database` | [`StoreError::Foreign`] |
//! | `unknown_port` | [`StoreError::UnknownPort`] |
//! | `import_conflicts` | [`StoreError::Conflicts`] |
//! | `ledger_entry_refused` | [`StoreError::LedgerEntry`] |
//! | `empty_append` | [`StoreError::EmptyAppend`] |
//! | `ledger_state_unreadable` | [`StoreError::LedgerState`] |
//! | `ledger_head_unreadable` | [`StoreError::LedgerHead`] |
//! | `ledger_gap` | [`StoreError::LedgerGap`] |
//! | `unknown_role` | [`StoreError::UnknownRole`] |
//! | `stored_data_unreadable` | [`StoreError::Corrupt`] |
//! | the desk's code | [`StoreError::Desk`], see [`DeskError::code`](crate::desk::DeskError::code) |

use crate::intake::Conflict;
use closedloop_domain::Lang;

/// Why a database is not closedloop's (see [`StoreError::Foreign`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Foreign {
    /// The file is not a SQLite database at all.
    NotSqlite,
    /// It holds tables (the first few named) but no closedloop migration.
    NoMigrations { tables: Vec<String> },
    /// Its migrations table lists versions this closedloop does not know: another program's
    /// migrations, or a newer closedloop's.
    UnknownMigrations { versions: Vec<String> },
}

impl Foreign {
    fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Foreign::NotSqlite, Lang::En) => "the file is not a SQLite database".into(),
            (Foreign::NotSqlite, Lang::ZhCn) => "该文件不是 SQLite 数据库".into(),
            (Foreign::NoMigrations { tables }, Lang::En) => format!(
                "it holds tables ({}) but no closedloop migrations",
                tables.join(", ")
            ),
            (Foreign::NoMigrations { tables }, Lang::ZhCn) => {
                format!(
                    "其中有数据表（{}），但没有 closedloop 的迁移记录",
                    tables.join("、")
                )
            }
            (Foreign::UnknownMigrations { versions }, Lang::En) => format!(
                "it records migrations this version of closedloop does not know ({}): another program's, or a newer closedloop's",
                versions.join(", ")
            ),
            (Foreign::UnknownMigrations { versions }, Lang::ZhCn) => format!(
                "其中记录了本版本 closedloop 不认识的迁移（{}）：属于其他程序或更新版本的 closedloop",
                versions.join("、")
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    /// Opened only to read, the database lacks migrations of this version: reading never
    /// applies them.
    #[error(
        "the database lacks {} migration(s) of this version ({}); a command that only reads does not apply them",
        .pending.len(), .pending.join(", ")
    )]
    MigrationsPending { pending: Vec<String> },
    /// Opened only to read, there is no SQLite file yet.
    #[error("there is no database at {path} yet: nothing has been stored")]
    DatabaseMissing { path: String },
    /// Opened to write, the SQLite file or its directory (where SQLite keeps the `-wal` and
    /// `-shm` files) has no write permission. Nothing was written.
    #[error("{path} is read-only: this needs to write to the database; nothing was changed")]
    ReadOnly { path: String },
    /// The database belongs to another program: refused, never altered.
    #[error("{url} is not a closedloop database: {}; it was left untouched", .why.text(Lang::En))]
    Foreign { url: String, why: Foreign },
    #[error("port {0:?} is not in the database: add it to config/ports.toml")]
    UnknownPort(String),
    #[error("{} row(s) conflict with travelers already stored; nothing was imported", .0.len())]
    Conflicts(Vec<Conflict>),
    #[error("ledger entry refused: {0}")]
    LedgerEntry(#[from] closedloop_ledger::EntryError),
    #[error("nothing to append to the ledger: a batch needs at least one entry")]
    EmptyAppend,
    #[error("the stored ledger state is unreadable ({0}): the row was edited or damaged")]
    LedgerState(String),
    #[error(
        "the stored signed head of size {size} is unreadable ({reason}): the row was edited or damaged"
    )]
    LedgerHead { size: i64, reason: String },
    #[error(
        "the ledger holds {found} leaf hashes in order below {size}, not {size}: entries are missing or misnumbered"
    )]
    LedgerGap { size: u64, found: u64 },
    #[error(
        "unknown party role {0:?}: use port_staff, crew, hotel_staff, community_staff or hospital_staff"
    )]
    UnknownRole(String),
    #[error("stored data is unreadable: {0}; the row was edited or damaged")]
    Corrupt(String),
    #[error(transparent)]
    Desk(#[from] crate::desk::DeskError),
}

impl StoreError {
    /// The desk's refusal, when that is what this is: callers print it in their language.
    pub fn desk(&self) -> Option<&crate::desk::DeskError> {
        match self {
            StoreError::Desk(d) => Some(d),
            _ => None,
        }
    }

    /// The stable snake_case code of this error (see the module's table).
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::BadUrl { .. } => "bad_database_url",
            StoreError::Connect { .. } => "database_unreachable",
            StoreError::DataDir { .. } => "data_dir_unavailable",
            StoreError::Pool(_) => "database_pool",
            StoreError::Query(_) => "database_error",
            StoreError::Migration(_) => "migration_failed",
            StoreError::MigrationsPending { .. } => "migrations_pending",
            StoreError::DatabaseMissing { .. } => "database_missing",
            StoreError::ReadOnly { .. } => "database_read_only",
            StoreError::Foreign { .. } => "foreign_database",
            StoreError::UnknownPort(_) => "unknown_port",
            StoreError::Conflicts(_) => "import_conflicts",
            StoreError::LedgerEntry(_) => "ledger_entry_refused",
            StoreError::EmptyAppend => "empty_append",
            StoreError::LedgerState(_) => "ledger_state_unreadable",
            StoreError::LedgerHead { .. } => "ledger_head_unreadable",
            StoreError::LedgerGap { .. } => "ledger_gap",
            StoreError::UnknownRole(_) => "unknown_role",
            StoreError::Corrupt(_) => "stored_data_unreadable",
            StoreError::Desk(d) => d.code(),
        }
    }

    /// The text in the desk's language. Details that come from a library below (the database,
    /// the connection pool, the ledger's encoder) stay as that library words them.
    pub fn message(&self, lang: Lang) -> String {
        // A desk refusal's Display is both languages; the desk wants its own.
        if let StoreError::Desk(d) = self {
            return d.message(lang);
        }
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            StoreError::BadUrl { url, reason } => format!("数据库地址 {url:?} 无效：{reason}"),
            StoreError::Connect { url, reason } => format!("无法打开数据库 {url}：{reason}"),
            StoreError::DataDir { path, source } => format!("无法创建数据目录 {path}：{source}"),
            StoreError::Pool(e) => format!("数据库连接池错误：{e}"),
            StoreError::Query(e) => format!("数据库错误：{e}"),
            StoreError::Migration(e) => format!("数据库迁移失败：{e}"),
            StoreError::MigrationsPending { pending } => format!(
                "数据库缺少本版本的 {} 个迁移（{}）；只读的命令不会应用迁移",
                pending.len(),
                pending.join("、")
            ),
            StoreError::DatabaseMissing { path } => {
                format!("{path} 处尚无数据库：尚未存储任何数据")
            }
            StoreError::ReadOnly { path } => {
                format!("{path} 为只读：此操作需要写入数据库；未做任何改动")
            }
            StoreError::Foreign { url, why } => format!(
                "{url} 不是 closedloop 的数据库：{}；未做任何改动",
                why.text(Lang::ZhCn)
            ),
            StoreError::UnknownPort(p) => {
                format!("数据库中没有口岸 {p:?}：请在 config/ports.toml 中添加")
            }
            StoreError::Conflicts(c) => {
                format!("{} 行与已存储的旅客冲突，未导入任何数据", c.len())
            }
            StoreError::LedgerEntry(e) => format!("账本记录被拒绝：{e}"),
            StoreError::EmptyAppend => "没有可写入账本的记录：每批至少一条".into(),
            StoreError::LedgerState(d) => {
                format!("存储的账本状态无法读取（{d}）：该行已被修改或损坏")
            }
            StoreError::LedgerHead { size, reason } => {
                format!("规模为 {size} 的已签名树头无法读取（{reason}）：该行已被修改或损坏")
            }
            StoreError::LedgerGap { size, found } => format!(
                "账本在 {size} 以下按序只有 {found} 个叶哈希，而非 {size} 个：有记录缺失或编号错乱"
            ),
            StoreError::UnknownRole(r) => format!(
                "未知的交接角色 {r:?}：应为 port_staff、crew、hotel_staff、community_staff 或 hospital_staff"
            ),
            StoreError::Corrupt(d) => format!("存储的数据无法读取：{d}；该行已被修改或损坏"),
            StoreError::Desk(d) => d.message(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_texts_bilingual() {
        let e = StoreError::LedgerGap { size: 9, found: 7 };
        assert_eq!(e.code(), "ledger_gap");
        assert!(!e.to_string().contains("closedloop"), "{e}");
        assert!(e.message(Lang::ZhCn).contains("叶哈希"));
        let d = StoreError::from(crate::desk::DeskError::NeedsReceivingTrip);
        assert_eq!(d.code(), "needs_receiving_trip");
        assert!(
            !d.message(Lang::En).contains("--"),
            "{}",
            d.message(Lang::En)
        );
        assert!(!d.message(Lang::En).contains("车次"), "English only");
        assert!(d.message(Lang::ZhCn).contains("车次"));
    }
}
