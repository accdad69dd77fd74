//! One typed configuration: defaults in code < `taxbot.toml` < `TAXBOT_SECTION__KEY`
//! environment variables < command-line flags (applied by `main`).
//!
//! The configuration owns the type of every section (one file each), so this
//! module is a leaf: any module may read its own section's type, and the
//! configuration depends on no other module of the crate.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod admin;
pub mod analytics;
pub mod api;
pub mod chat;
pub mod handoff;
pub mod import;
pub mod limits;
pub mod log;
pub mod privacy;
pub mod search;
pub mod server;
pub mod store;
pub mod wechat;

/// The whole configuration; every section has defaults that run locally.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the knowledge base lives.
    pub kb: KbSettings,
    /// Matching thresholds and weights.
    pub search: search::Settings,
    /// Listener and connection limits (`taxbot serve`).
    pub server: server::Settings,
    /// Where conversations are stored.
    pub store: store::Settings,
    /// Conversation engine.
    pub chat: chat::Settings,
    /// Human handoff: agents, assignment, business hours.
    pub handoff: handoff::Settings,
    /// WeChat Official Accounts (`[[wechat.accounts]]`).
    pub wechat: wechat::Settings,
    /// Console sign-in: session length, cookie security, proxy trust.
    pub admin: admin::Settings,
    /// Hot questions, unanswered clusters and service figures.
    pub analytics: analytics::Settings,
    /// Bounds of an imported Excel workbook (console and `taxbot kb import`).
    pub import: import::Settings,
    /// What one client (address, visitor) may hold or send.
    pub limits: limits::Settings,
    /// How long personal data is kept.
    pub privacy: privacy::Settings,
    /// Who may use the HTTP API (API keys, anonymous demo use).
    pub api: api::Settings,
    /// Log line format.
    pub log: log::Settings,
}

/// Knowledge-base location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KbSettings {
    /// Directory with the `knowledge-base/` layout (its topic plan included).
    pub dir: PathBuf,
}

impl Default for KbSettings {
    fn default() -> Self {
        KbSettings { dir: PathBuf::from("knowledge-base") }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file named explicitly does not exist or cannot be read.
    #[error("无法读取配置文件 {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file or an override is not valid for the configuration.
    #[error("配置无效（{origin}）：{message}")]
    Invalid {
        /// The file or environment variable at fault.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// Prefix of environment overrides; `__` separates section and key.
pub const ENV_PREFIX: &str = "TAXBOT_";

/// The file read when no `--config` is given and it exists.
pub const DEFAULT_FILE: &str = "taxbot.toml";

/// Loads the configuration. `file` is required to exist when given; otherwise
/// `taxbot.toml` in the working directory is read if present. `env` is the
/// process environment (passed in so that tests control it).
pub fn load(file: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Config, ConfigError> {
    let invalid =
        |origin: String| move |e: toml::de::Error| ConfigError::Invalid { origin, message: e.message().to_owned() };
    let mut tree = toml::Table::try_from(Config::default())
        .map_err(|e| ConfigError::Invalid { origin: "默认值".into(), message: e.to_string() })?;
    let path =
        file.map(Path::to_path_buf).or_else(|| Path::new(DEFAULT_FILE).exists().then(|| PathBuf::from(DEFAULT_FILE)));
    if let Some(path) = path {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        let from_file: toml::Table = toml::from_str(&text).map_err(invalid(path.display().to_string()))?;
        merge(&mut tree, from_file);
        check(&tree, &path.display().to_string())?;
    }
    let mut env: Vec<(String, String)> =
        env.into_iter().filter(|(k, _)| k.starts_with(ENV_PREFIX) && k.contains("__")).collect();
    env.sort();
    for (key, raw) in env {
        let path: Vec<String> = key[ENV_PREFIX.len()..].split("__").map(str::to_lowercase).collect();
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(raw));
        set(&mut tree, &path, value);
        check(&tree, &key)?;
    }
    toml::Value::Table(tree).try_into().map_err(invalid("配置".into()))
}

fn check(tree: &toml::Table, origin: &str) -> Result<(), ConfigError> {
    toml::Value::Table(tree.clone())
        .try_into::<Config>()
        .map(drop)
        .map_err(|e| ConfigError::Invalid { origin: origin.to_owned(), message: e.message().to_owned() })
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn set(tree: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, sections)) = path.split_last() else {
        return;
    };
    let mut node = tree;
    for s in sections {
        let next = node.entry(s.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !next.is_table() {
            *next = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(t) = next else { return };
        node = t;
    }
    node.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_run_without_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope.toml");
        assert!(matches!(load(Some(&missing), env(&[])), Err(ConfigError::Read { .. })));
    }

    #[test]
    fn file_overrides_defaults_and_env_overrides_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("taxbot.toml");
        std::fs::write(&file, "[search]\nanswer_threshold = 0.7\nmargin = 0.2\n[kb]\ndir = \"my-kb\"\n")
            .expect("write");
        let c = load(Some(&file), env(&[("TAXBOT_SEARCH__MARGIN", "0.1"), ("HOME", "/root"), ("TAXBOT_LOG", "x")]))
            .expect("valid");
        assert_eq!(c.search.answer_threshold, 0.7);
        assert_eq!(c.search.margin, 0.1);
        assert_eq!(c.kb.dir, PathBuf::from("my-kb"));
        assert_eq!(c.search.retrieve_k, search::Settings::default().retrieve_k);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_naming_their_origin() {
        let err = load(None, env(&[("TAXBOT_SEARCH__ANSWER_TRESHOLD", "0.5")])).expect_err("typo");
        assert!(err.to_string().contains("TAXBOT_SEARCH__ANSWER_TRESHOLD"), "{err}");
        let err = load(None, env(&[("TAXBOT_SEARCH__RETRIEVE_K", "many")])).expect_err("bad value");
        assert!(err.to_string().contains("RETRIEVE_K"), "{err}");
    }

    #[test]
    fn env_strings_need_no_quotes() {
        let c = load(None, env(&[("TAXBOT_KB__DIR", "/srv/kb")])).expect("valid");
        assert_eq!(c.kb.dir, PathBuf::from("/srv/kb"));
    }
}
