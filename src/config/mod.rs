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
mod problem;
pub mod redact;
pub mod search;
pub mod server;
pub mod store;
mod valid;
pub mod wechat;
pub mod widget;

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
    /// The web widget: host sites that vouch for visitors' identities.
    pub widget: widget::Settings,
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
    /// A key of the file is unknown or its value has the wrong type or is out of range
    /// (or the file is not TOML).
    #[error("配置文件 {path} 第 {line} 行{}：{message}", .key.as_ref().map(|k| format!("，键 {k}")).unwrap_or_default())]
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line of the key or value at fault.
        line: usize,
        /// The dotted key path (`search.answer_threshold`), when the error is about one key.
        key: Option<String>,
        /// What is wrong, in Chinese.
        message: String,
    },
    /// An environment override (or the defaults) is not valid for the configuration.
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
    let mut tree = toml::Table::try_from(Config::default())
        .map_err(|e| ConfigError::Invalid { origin: "默认值".into(), message: e.to_string() })?;
    if let Some(path) = file_to_read(file) {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        merge(&mut tree, check_file(&path, &text)?);
    }
    for (key, raw) in overrides(env) {
        let path: Vec<String> = key[ENV_PREFIX.len()..].split("__").map(str::to_lowercase).collect();
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(raw));
        set(&mut tree, &path, value);
        check(&tree, &format!("环境变量 {key}"))?;
    }
    check(&tree, "配置")
}

/// The file [`load`] reads: `file` when given, else `taxbot.toml` in the working
/// directory when it exists.
pub fn file_to_read(file: Option<&Path>) -> Option<PathBuf> {
    file.map(Path::to_path_buf).or_else(|| Path::new(DEFAULT_FILE).exists().then(|| PathBuf::from(DEFAULT_FILE)))
}

/// The `TAXBOT_SECTION__KEY` variables of `env` that [`load`] applies, sorted
/// (`TAXBOT_LOG` and other names without `__` are not configuration keys).
pub fn overrides(env: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        env.into_iter().filter(|(k, _)| k.starts_with(ENV_PREFIX) && k.contains("__")).collect();
    env.sort();
    env
}

/// Parses the file as the configuration on its own (every section has
/// defaults), so that an error carries the key path and the line, and returns
/// its table to merge.
fn check_file(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    let at = |line: usize, key: Option<String>, message: String| ConfigError::File {
        path: path.to_path_buf(),
        line,
        key,
        message,
    };
    let syntax = |e: toml::de::Error| {
        at(problem::line_of(text, e.span()), None, format!("不是有效的 TOML：{}", e.message().trim()))
    };
    let document = toml::Deserializer::parse(text).map_err(syntax)?;
    serde_path_to_error::deserialize::<_, Config>(document).map_err(|e| {
        let (key, message) = problem::explain(&e, e.inner().message());
        at(problem::line_of(text, e.inner().span()), key, message)
    })?;
    toml::from_str(text).map_err(syntax)
}

/// Deserialises the merged tree; `origin` names what was applied last.
fn check(tree: &toml::Table, origin: &str) -> Result<Config, ConfigError> {
    serde_path_to_error::deserialize(toml::Value::Table(tree.clone())).map_err(|e| {
        let (key, message) = problem::explain(&e, e.inner().message());
        let message = match key {
            Some(key) => format!("键 {key}：{message}"),
            None => message,
        };
        ConfigError::Invalid { origin: origin.to_owned(), message }
    })
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

    fn file_error(text: &str) -> (usize, Option<String>, String) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("taxbot.toml");
        std::fs::write(&file, text).expect("write");
        match load(Some(&file), env(&[])) {
            Err(ConfigError::File { path, line, key, message }) => {
                assert_eq!(path, file);
                (line, key, message)
            }
            other => panic!("expected a file error, got {other:?}"),
        }
    }

    #[test]
    fn file_errors_name_the_key_and_the_line_in_chinese() {
        let (line, key, message) = file_error("[server]\nbind = \"0.0.0.0:80\"\n\n[search]\nanswer_treshold = 0.5\n");
        assert_eq!((line, key.as_deref()), (5, Some("search.answer_treshold")), "{message}");
        assert!(message.contains("未知的键") && message.contains("answer_threshold"), "{message}");
        let (line, key, message) = file_error("[search]\nretrieve_k = \"many\"\n");
        assert_eq!((line, key.as_deref()), (2, Some("search.retrieve_k")), "{message}");
        assert!(message.contains("类型不对"), "{message}");
        let (line, key, message) = file_error("# logs\n[log]\n\nformat = \"xml\"\n");
        assert_eq!((line, key.as_deref()), (4, Some("log.format")), "{message}");
        assert!(message.contains("取值") && message.contains("json"), "{message}");
        let (line, key, _) = file_error("[[wechat.accounts]]\nappid = \"wx1\"\ntoken = 5\n");
        assert_eq!((line, key.as_deref()), (3, Some("wechat.accounts[0].token")));
        let (line, key, message) = file_error("[search]\nmargin = = 1\n");
        assert_eq!((line, key), (2, None));
        assert!(message.contains("TOML"), "{message}");
        let shown = ConfigError::File { path: "t.toml".into(), line: 5, key: Some("a.b".into()), message: "x".into() };
        assert_eq!(shown.to_string(), "配置文件 t.toml 第 5 行，键 a.b：x");
    }

    #[test]
    fn values_out_of_range_name_the_key_and_the_line_or_the_variable() {
        let (line, key, message) = file_error("[chat]\ngreeting = \"您好\"\nchunk_chars = 0\n");
        assert_eq!((line, key.as_deref()), (3, Some("chat.chunk_chars")), "{message}");
        assert!(message.contains("大于 0"), "{message}");
        let (line, key, message) = file_error("[server]\ntrust_proxy = [\n  \"10.0.0.1\",\n  \"proxy\",\n]\n");
        assert_eq!((line, key.as_deref()), (2, Some("server.trust_proxy")), "{message}");
        let err = load(None, env(&[("TAXBOT_SEARCH__ANSWER_THRESHOLD", "2.5")])).expect_err("out of range").to_string();
        assert!(err.contains("TAXBOT_SEARCH__ANSWER_THRESHOLD") && err.contains("search.answer_threshold"), "{err}");
        assert!(err.contains("0 到 1"), "{err}");
    }

    #[test]
    fn env_strings_need_no_quotes() {
        let c = load(None, env(&[("TAXBOT_KB__DIR", "/srv/kb")])).expect("valid");
        assert_eq!(c.kb.dir, PathBuf::from("/srv/kb"));
    }
}
