//! `[store]` settings.

use serde::{Deserialize, Serialize};

/// Where and how to store.
///
/// `Debug` shows the database address without its password ([`redact_url`]),
/// so a logged or printed config never carries it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Directory of the embedded database (created on first start).
    pub data_dir: std::path::PathBuf,
    /// Database connections. SQLite allows one writer at a time, so a few
    /// connections are enough; readers use WAL snapshots.
    #[serde(deserialize_with = "super::valid::positive")]
    pub max_connections: u32,
    /// A PostgreSQL database (`postgres://user:password@host/db`) shared by
    /// several nodes; unset means the embedded SQLite database in `data_dir`.
    #[serde(deserialize_with = "super::valid::store_url")]
    pub url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { data_dir: "data".into(), max_connections: 4, url: None }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("max_connections", &self.max_connections)
            .field("url", &self.url.as_deref().map(redact_url))
            .finish()
    }
}

/// A database address without its password (`postgres://user:***@host/db`,
/// and `password=***` in the query string), for messages and logs.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &base[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:***{}", &base[..s + 3], &cred[..c], &base[at..]),
                None => base.to_owned(),
            }
        }
        _ => base.to_owned(),
    };
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_in_addresses_and_debug_output() {
        assert_eq!(redact_url("postgres://tax:s3cret@db:5432/taxbot"), "postgres://tax:***@db:5432/taxbot");
        assert_eq!(redact_url("postgres://tax@db/taxbot"), "postgres://tax@db/taxbot");
        assert_eq!(redact_url("postgres://db/taxbot"), "postgres://db/taxbot");
        assert_eq!(
            redact_url("postgres://tax@db/taxbot?sslmode=require&password=s3cret"),
            "postgres://tax@db/taxbot?sslmode=require&password=***"
        );
        assert_eq!(redact_url("postgres://a:b:c@d@host/x"), "postgres://a:***@host/x");
        let s = Settings { url: Some("postgres://tax:s3cret@db/taxbot".into()), ..Settings::default() };
        let shown = format!("{s:?}");
        assert!(shown.contains("postgres://tax:***@db/taxbot") && !shown.contains("s3cret"), "{shown}");
        let whole = format!("{:?}", crate::config::Config { store: s, ..Default::default() });
        assert!(!whole.contains("s3cret"), "{whole}");
    }
}
