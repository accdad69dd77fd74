//! `taxbot user`: console accounts (agents, editors, admins) in the store,
//! every change audited as by `cli`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::DataDirArg;
use crate::admin::{Role, audit, users};
use crate::config::Config;
use crate::store::Store;

/// The account commands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// Create an account. The password is asked for without echo, or read
    /// from the first line of stdin when stdin is not a terminal.
    ///
    /// Config sections read: [store], [log].
    Add {
        /// Sign-in name (shown to colleagues in the console).
        name: String,
        /// agent (serves taxpayers), editor (knowledge base) or admin (everything).
        #[arg(long, value_parser = ["agent", "editor", "admin"])]
        role: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Set a new password (ends the user's sessions).
    ///
    /// Config sections read: [store], [log].
    Passwd {
        /// The account.
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List accounts.
    ///
    /// Config sections read: [store], [log].
    List {
        #[command(flatten)]
        data: DataDirArg,
    },
}

/// Opens the store of `config` (or `--data-dir`) and runs `command` on it,
/// asking for a password on the terminal or stdin when it needs one.
pub fn run(mut config: Config, command: Command, out: &mut dyn Write) -> Result<ExitCode> {
    let (Command::Add { data, .. } | Command::Passwd { data, .. } | Command::List { data }) = &command;
    if let Some(dir) = &data.data_dir {
        config.store.data_dir = dir.clone();
    }
    super::runtime()?.block_on(async move {
        let store = crate::store::open(&config.store).await?;
        let result = execute(store.as_ref(), command, read_password, out).await;
        store.close().await;
        result.map(|()| ExitCode::SUCCESS)
    })
}

/// Runs `command` on `store`; `password` is asked with a prompt for the commands that set one.
pub async fn execute(
    store: &dyn Store,
    command: Command,
    password: impl AsyncFnOnce(&str) -> Result<String>,
    out: &mut dyn Write,
) -> Result<()> {
    match command {
        Command::Add { name, role, .. } => {
            let role = Role::parse(&role).context("未知角色")?;
            let password = password(&format!("{name} 的密码：")).await?;
            let user = users::create(store, &name, role, &password).await?;
            audit::record_from(store, "cli", "user.add", &user.name, serde_json::json!({"role": role}), None).await?;
            writeln!(out, "已创建用户 {}（{}）", user.name, role)?;
        }
        Command::Passwd { name, .. } => {
            let password = password(&format!("{name} 的新密码：")).await?;
            let user = users::set_password(store, &name, &password).await?;
            audit::record_from(store, "cli", "user.password", &user.name, serde_json::json!({}), None).await?;
            writeln!(out, "已更新 {} 的密码，其登录会话已全部退出", user.name)?;
        }
        Command::List { .. } => {
            let all = store.users().await?;
            if all.is_empty() {
                writeln!(out, "还没有用户：用 `taxbot user add 名字 --role admin` 创建第一个管理员")?;
            }
            for u in all {
                let state = if u.disabled { "已停用" } else { "正常" };
                writeln!(out, "{}\t{}\t{}\t最多同时 {} 个会话", u.name, u.role, state, u.max_concurrent)?;
            }
        }
    }
    Ok(())
}

/// A password from the terminal without echo, or the first line of stdin when it is not a terminal.
async fn read_password(prompt: &str) -> Result<String> {
    use std::io::IsTerminal as _;
    let prompt = prompt.to_owned();
    tokio::task::spawn_blocking(move || {
        let line = if std::io::stdin().is_terminal() {
            rpassword::prompt_password(prompt).context("无法读取密码")?
        } else {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("无法从标准输入读取密码")?;
            line
        };
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AccountStore as _;

    async fn user(store: &dyn Store, command: Command, password: &str) -> Result<String> {
        let mut out = Vec::new();
        execute(store, command, async |_: &str| Ok(password.to_owned()), &mut out).await?;
        Ok(String::from_utf8(out)?)
    }

    fn list() -> Command {
        Command::List { data: DataDirArg::default() }
    }

    #[tokio::test]
    async fn adds_lists_and_changes_the_password_of_an_account_with_an_audit_trail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = crate::store::Settings { data_dir: dir.path().to_path_buf(), ..Default::default() };
        let store = crate::store::open_sqlite(&settings).await.expect("opens");
        assert!(user(&store, list(), "").await.expect("lists").starts_with("还没有用户"));
        let add = Command::Add { name: "王编辑".into(), role: "editor".into(), data: DataDirArg::default() };
        assert_eq!(
            user(&store, add.clone(), "correct-horse-battery").await.expect("adds"),
            "已创建用户 王编辑（editor）\n"
        );
        assert!(user(&store, add, "correct-horse-battery").await.is_err(), "the name is taken");
        assert_eq!(user(&store, list(), "").await.expect("lists"), "王编辑\teditor\t正常\t最多同时 3 个会话\n");
        let passwd = Command::Passwd { name: "王编辑".into(), data: DataDirArg::default() };
        assert!(user(&store, passwd.clone(), "短").await.is_err(), "too short");
        assert!(
            user(&store, passwd, "另一个足够长的新密码").await.expect("changes").starts_with("已更新 王编辑 的密码")
        );
        let filter = crate::store::AuditFilter { limit: 10, ..Default::default() };
        let actions: Vec<String> = store.audit(&filter).await.expect("audit").into_iter().map(|a| a.action).collect();
        assert!(
            actions.contains(&"user.add".to_owned()) && actions.contains(&"user.password".to_owned()),
            "{actions:?}"
        );
        store.close().await;
    }
}
