//! `[widget]` settings: the host sites that may vouch for a visitor's identity.

use serde::{Deserialize, Serialize};

use super::wechat::Secret;

/// Shortest secret accepted: an HMAC key guessable by brute force would let
/// anyone pose as any taxpayer.
pub const MIN_SECRET_CHARS: usize = 16;

/// Widget settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Host sites allowed to pass a signed visitor identity
    /// (`[[widget.identity_sites]]`); none = every identity is 未验证.
    pub identity_sites: Vec<IdentitySite>,
    /// Longest validity of a signed identity in seconds: an `expires` further
    /// ahead than this is refused, so a host cannot mint tags that work for
    /// ever (a copied embed tag stops working when it expires).
    #[serde(deserialize_with = "super::valid::positive")]
    pub identity_max_lifetime_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        // One working day: a host re-signs on every page it renders, and a
        // taxpayer who leaves a tab open overnight signs in again anyway.
        Settings { identity_sites: Vec::new(), identity_max_lifetime_secs: 12 * 3600 }
    }
}

/// One host site and its HMAC-SHA256 secret (never sent to a browser,
/// hidden by `taxbot config show`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySite {
    /// The site's name as the embed tag gives it (`data-identity-site`).
    pub site: String,
    /// The shared secret, at least [`MIN_SECRET_CHARS`] characters.
    #[serde(deserialize_with = "long_secret")]
    pub secret: Secret,
}

fn long_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    let s = String::deserialize(d)?;
    if s.chars().count() < MIN_SECRET_CHARS {
        return Err(serde::de::Error::custom(format!("身份签名密钥至少 {MIN_SECRET_CHARS} 个字符")));
    }
    Ok(Secret::new(s))
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, redact::redacted};

    #[test]
    fn a_short_secret_is_refused_and_a_good_one_never_shows() {
        let short = "[[widget.identity_sites]]\nsite = \"etax\"\nsecret = \"short\"\n";
        let e = toml::from_str::<Config>(short).expect_err("a 5-character secret");
        assert!(e.to_string().contains("至少 16 个字符"), "{e}");
        let good = "[[widget.identity_sites]]\nsite = \"etax\"\nsecret = \"etax-shared-secret-2026\"\n";
        let config: Config = toml::from_str(good).expect("config");
        assert_eq!(config.widget.identity_sites[0].secret.expose(), "etax-shared-secret-2026");
        let shown = redacted(&config).expect("toml");
        assert!(!shown.contains("etax-shared-secret-2026") && shown.contains("site = \"etax\""), "{shown}");
        assert!(!format!("{config:?}").contains("etax-shared-secret-2026"));
    }
}
