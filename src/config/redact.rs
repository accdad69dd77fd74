//! The effective configuration as TOML with every secret hidden, for
//! `taxbot config show`: an operator can paste it into a ticket.

use super::Config;
use super::store::redact_url;

/// What a hidden value is replaced with.
pub const HIDDEN: &str = "***";

/// `config` as a TOML document with secrets replaced by [`HIDDEN`]: every
/// value under a key that names a secret (`token`, `app_secret`,
/// `encoding_aes_key`, any `*secret*`, `*password*`, `*_key`), and the
/// password of every database address.
pub fn redacted(config: &Config) -> Result<String, toml::ser::Error> {
    let mut tree = toml::Table::try_from(config)?;
    hide_table(&mut tree);
    toml::to_string_pretty(&tree)
}

/// Whether a key holds a secret by its name.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "password", "passwd", "token", "credential"].iter().any(|w| key.contains(w))
        || key == "key"
        || key.ends_with("_key")
}

fn hide_table(table: &mut toml::Table) {
    for (key, value) in table.iter_mut() {
        if is_secret(key) && !value.is_table() && !value.is_array() {
            *value = toml::Value::String(HIDDEN.to_owned());
        } else {
            hide(value);
        }
    }
}

fn hide(value: &mut toml::Value) {
    match value {
        toml::Value::Table(t) => hide_table(t),
        toml::Value::Array(items) => items.iter_mut().for_each(hide),
        toml::Value::String(s) if s.contains("://") => *s = redact_url(s),
        // Settings held as f32 widen to f64 digits (0.77 → 0.7699999809265137):
        // show the value as it was written.
        toml::Value::Float(f) if f64::from(*f as f32) == *f => {
            *f = format!("{}", *f as f32).parse().unwrap_or(*f);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::wechat::{Account, Secret};

    #[test]
    fn secrets_and_database_passwords_never_show() {
        let mut config = Config::default();
        config.store.url = Some("postgres://tax:pg-s3cret@db/taxbot?password=q-s3cret".into());
        let account: Account = toml::from_str(
            "appid = \"wx1\"\ntoken = \"tok-s3cret\"\nencoding_aes_key = \"aes-s3cret\"\napp_secret = \"app-s3cret\"",
        )
        .expect("account");
        config.wechat.accounts.push(account);
        let shown = redacted(&config).expect("toml");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://tax:***@db/taxbot"), "{shown}");
        assert!(shown.contains("appid = \"wx1\""), "{shown}");
        let back: Config = toml::from_str(&shown).expect("the output is a configuration again");
        assert_eq!(back.wechat.accounts[0].token, Secret::new(HIDDEN));
        assert_eq!(back.search, config.search);
    }
}
