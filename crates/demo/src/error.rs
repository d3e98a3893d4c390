//! What can stop the demo, with stable codes and both languages.

use closedloop_app::AppError;
use closedloop_domain::Lang;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The directory holds a database but no finished demo: never overwritten.
    #[error("{0} is not a prepared demo ({1})")]
    NotADemo(PathBuf, String),
    #[error("cannot listen on {0}: {1} (choose another with --port, 0 for any free one)")]
    Listen(std::net::SocketAddr, std::io::Error),
    #[error("no demo login {0:?}")]
    NoSuchLogin(String),
    #[error("demo login {0:?} signs in without a TOTP code")]
    NoTotp(String),
    /// The shipped extract is missing from the configuration.
    #[error("the demo needs an OpenStreetMap extract: set [roads] osm in the configuration")]
    NoExtract,
    #[error("the demo city cannot be built: {0}")]
    City(String),
    #[error("HTTP: {0}")]
    Http(String),
}

pub type Result<T, E = DemoError> = std::result::Result<T, E>;

impl DemoError {
    pub fn io(path: &Path, e: std::io::Error) -> DemoError {
        DemoError::Io(path.to_path_buf(), e)
    }

    pub fn code(&self) -> &'static str {
        match self {
            DemoError::App(e) => e.code(),
            DemoError::Io(..) => "demo_io",
            DemoError::NotADemo(..) => "demo_dir_not_a_demo",
            DemoError::Listen(..) => "demo_listen",
            DemoError::NoSuchLogin(_) => "demo_login_unknown",
            DemoError::NoTotp(_) => "demo_login_without_totp",
            DemoError::NoExtract => "demo_no_extract",
            DemoError::City(_) => "demo_city",
            DemoError::Http(_) => "demo_http",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            DemoError::App(e) => e.message(lang),
            DemoError::Io(p, e) => format!("{}：{e}", p.display()),
            DemoError::NotADemo(p, why) => format!(
                "{} 不是已准备好的演示目录（{why}）；请换一个目录或先清空它",
                p.display()
            ),
            DemoError::Listen(a, e) => {
                format!("无法在 {a} 监听：{e}（请用 --port 换一个端口，0 为任一空闲端口）")
            }
            DemoError::NoSuchLogin(l) => format!("没有演示账号 {l:?}"),
            DemoError::NoTotp(l) => format!("演示账号 {l:?} 登录无需动态码"),
            DemoError::NoExtract => {
                "演示需要 OpenStreetMap 路网文件：请在配置中设置 [roads] osm".into()
            }
            DemoError::City(why) => format!("无法生成演示城市：{why}"),
            DemoError::Http(why) => format!("HTTP 错误：{why}"),
        }
    }
}
