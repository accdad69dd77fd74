//! Verified visitor identity: a host site (电子税务局 after sign-in) vouches
//! for who the visitor is with an HMAC-SHA256 over the identity and an expiry,
//! under a secret it shares with this server (`[[widget.identity_sites]]`).
//! Agents then see the name and the masked user id instead of 访客 NNNN; an
//! identity that does not verify is shown as 未验证 and nothing of it is kept.
//! The format is documented for host sites in `docs/widget.md`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::engine::Engine;
use super::{ChatError, Session};
use crate::config::wechat::Secret;
use crate::config::widget::Settings;
use crate::signing::{constant_time_eq, from_hex, hmac_sha256};
use crate::store::VisitorIdentity;

/// Longest site name, user id and display name, in characters: a 纳税人识别号
/// has 15-20, names fit easily; anything longer is not an identity.
pub const MAX_FIELD_CHARS: usize = 64;

/// An identity as the widget presents it (from the host's embed tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityClaim {
    /// The host site's name in `[[widget.identity_sites]]`.
    pub site: String,
    /// 纳税人识别号 or login id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Unix seconds after which the signature is void.
    pub expires: i64,
    /// Hex HMAC-SHA256 of [`signed_text`] under the site's secret.
    pub signature: String,
}

/// Why an identity was not verified (logged, never shown to the visitor).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// A field is empty, too long or holds control characters.
    #[error("身份字段 {0} 为空、过长或含控制字符")]
    Malformed(&'static str),
    /// No secret is configured for the site.
    #[error("未配置的站点")]
    UnknownSite,
    /// The signature does not match.
    #[error("签名不正确")]
    BadSignature,
    /// `expires` has passed.
    #[error("签名已过期")]
    Expired,
    /// `expires` lies further ahead than `widget.identity_max_lifetime_secs`.
    #[error("签名有效期过长")]
    TooLongLived,
}

/// The text a host site signs: the fields joined by newlines, in this order
/// (no field may contain a newline, so the joining is unambiguous).
pub fn signed_text(site: &str, user_id: &str, name: &str, expires: i64) -> String {
    format!("{site}\n{user_id}\n{name}\n{expires}")
}

/// Checks identities against the configured sites' secrets.
#[derive(Debug, Clone, Default)]
pub struct Verifier {
    sites: HashMap<String, Secret>,
    max_lifetime_secs: i64,
}

impl Verifier {
    /// Builds the verifier from `[widget]`.
    pub fn new(settings: &Settings) -> Self {
        let sites = settings.identity_sites.iter().map(|s| (s.site.clone(), s.secret.clone())).collect();
        let max_lifetime_secs = i64::try_from(settings.identity_max_lifetime_secs).unwrap_or(i64::MAX);
        Verifier { sites, max_lifetime_secs }
    }

    /// The identity agents may see when `claim` is genuine at `now`.
    pub fn verify(&self, claim: &IdentityClaim, now: DateTime<Utc>) -> Result<VisitorIdentity, IdentityError> {
        for (field, value) in [("site", &claim.site), ("user_id", &claim.user_id), ("name", &claim.name)] {
            let n = value.chars().count();
            if n == 0 || n > MAX_FIELD_CHARS || value.chars().any(char::is_control) {
                return Err(IdentityError::Malformed(field));
            }
        }
        let sent = from_hex(&claim.signature).filter(|s| s.len() == 32).ok_or(IdentityError::Malformed("signature"))?;
        let secret = self.sites.get(&claim.site).ok_or(IdentityError::UnknownSite)?;
        let text = signed_text(&claim.site, &claim.user_id, &claim.name, claim.expires);
        if !constant_time_eq(&hmac_sha256(secret.expose().as_bytes(), text.as_bytes()), &sent) {
            return Err(IdentityError::BadSignature);
        }
        let now = now.timestamp();
        if claim.expires <= now {
            return Err(IdentityError::Expired);
        }
        if claim.expires - now > self.max_lifetime_secs {
            return Err(IdentityError::TooLongLived);
        }
        Ok(VisitorIdentity::Verified {
            name: claim.name.trim().to_owned(),
            masked_id: crate::text::mask_id(claim.user_id.trim()),
        })
    }
}

impl Engine {
    /// Records the identity presented in a hello for the agents' desk;
    /// returns whether it verified. A failure is logged with its reason and
    /// the site only (never the user id or the name).
    pub async fn present_identity(&self, s: &Session, claim: &IdentityClaim) -> Result<bool, ChatError> {
        let identity = match self.identity.verify(claim, Utc::now()) {
            Ok(i) => i,
            Err(e) => {
                let site: String = claim.site.chars().take(MAX_FIELD_CHARS).collect();
                tracing::info!(site = %crate::text::mask_numbers(&site), reason = %e, "visitor identity not verified");
                VisitorIdentity::Unverified
            }
        };
        self.store.set_identity(&s.id, &identity).await?;
        Ok(matches!(identity, VisitorIdentity::Verified { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::widget::IdentitySite;

    const SECRET: &str = "etax-secret-0123456789";

    fn verifier() -> Verifier {
        let site = IdentitySite { site: "etax".into(), secret: Secret::new(SECRET) };
        Verifier::new(&Settings { identity_sites: vec![site], identity_max_lifetime_secs: 3600 })
    }

    fn claim(expires: i64) -> IdentityClaim {
        let text = signed_text("etax", "91440300MA5FXXX234", "张三", expires);
        let signature = crate::signing::hex(&hmac_sha256(SECRET.as_bytes(), text.as_bytes()));
        IdentityClaim {
            site: "etax".into(),
            user_id: "91440300MA5FXXX234".into(),
            name: "张三".into(),
            expires,
            signature,
        }
    }

    #[test]
    fn a_fresh_right_signature_verifies_with_the_id_masked() {
        let now = Utc::now();
        let got = verifier().verify(&claim(now.timestamp() + 600), now);
        assert_eq!(got, Ok(VisitorIdentity::Verified { name: "张三".into(), masked_id: "9144********X234".into() }));
    }

    #[test]
    fn a_changed_field_an_old_or_far_expiry_and_an_unknown_site_fail() {
        let now = Utc::now();
        let v = verifier();
        let mut c = claim(now.timestamp() + 600);
        c.name = "李四".into();
        assert_eq!(v.verify(&c, now), Err(IdentityError::BadSignature));
        assert_eq!(v.verify(&claim(now.timestamp() - 1), now), Err(IdentityError::Expired));
        assert_eq!(v.verify(&claim(now.timestamp() + 7200), now), Err(IdentityError::TooLongLived));
        let mut c = claim(now.timestamp() + 600);
        c.site = "other".into();
        assert_eq!(v.verify(&c, now), Err(IdentityError::UnknownSite));
    }

    #[test]
    fn malformed_fields_are_refused_before_any_signing() {
        let now = Utc::now();
        let v = verifier();
        let mut c = claim(now.timestamp() + 600);
        c.name = "张\n三".into();
        assert_eq!(v.verify(&c, now), Err(IdentityError::Malformed("name")));
        let mut c = claim(now.timestamp() + 600);
        c.user_id = "9".repeat(65);
        assert_eq!(v.verify(&c, now), Err(IdentityError::Malformed("user_id")));
        let mut c = claim(now.timestamp() + 600);
        c.signature = "abc".into();
        assert_eq!(v.verify(&c, now), Err(IdentityError::Malformed("signature")));
        assert_eq!(Verifier::default().verify(&claim(now.timestamp() + 600), now), Err(IdentityError::UnknownSite));
    }
}
