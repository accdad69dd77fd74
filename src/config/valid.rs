//! Checks of values that parse but make no sense (`answer_threshold = 2.5`,
//! `chunk_chars = 0`, `bind = "not an address"`). They run while the value is
//! read (`#[serde(deserialize_with)]`), so a bad value fails like a value of
//! the wrong type: with its key and its file line or environment variable
//! ([`super::problem`]), and `config check` and `serve` refuse it alike.

use std::fmt::Display;
use std::net::SocketAddr;

use serde::Deserialize;
use serde::de::{Deserializer, Error};

/// A confidence threshold that no confidence reaches: the confidence is a
/// logistic in [0, 1], and 1.0 itself can be reached after `f32` rounding,
/// so 1.01 is how an operator (and the tests) switch a rule off.
pub const OFF: f32 = 1.01;

/// A probability or a cosine: 0 to 1.
pub(super) fn unit<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    within(f32::deserialize(d)?, 0.0, 1.0, "应在 0 到 1 之间")
}

/// A confidence threshold: 0 to 1, or [`OFF`] to switch its rule off.
pub(super) fn threshold<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    within(f32::deserialize(d)?, 0.0, OFF, "应在 0 到 1 之间（设为 1.01 表示关闭这条规则）")
}

/// A weight or a sum of confidences: any number from 0 on.
pub(super) fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    within(f32::deserialize(d)?, 0.0, f32::MAX, "应为不小于 0 的数")
}

/// A ratio of two confidences, best over next: below 1 it would hold for every question.
pub(super) fn ratio<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    within(f32::deserialize(d)?, 1.0, f32::MAX, "应为不小于 1 的倍数")
}

/// A count, size, capacity or period where 0 would stall or refuse everything.
pub(super) fn positive<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default + PartialEq + Display,
{
    let v = T::deserialize(d)?;
    if v == T::default() {
        return Err(D::Error::custom(format!("取值 {v} 无效：应为大于 0 的整数")));
    }
    Ok(v)
}

/// `server.bind`: `IP:端口` or `主机名:端口`, as the listener accepts.
pub(super) fn bind<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if is_listen_address(&s) {
        Ok(s)
    } else {
        Err(D::Error::custom(format!(
            "取值 \"{s}\" 不是有效的监听地址：应为 IP:端口 或 主机名:端口（如 127.0.0.1:8080、0.0.0.0:8080、[::]:8080）"
        )))
    }
}

/// `store.url`: unset or empty (the embedded SQLite database), or a PostgreSQL
/// address, the only kinds `store::open` opens.
pub(super) fn store_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let url = Option::<String>::deserialize(d)?;
    match url.as_deref().map(str::trim) {
        None | Some("") => Ok(url),
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(url),
        Some(u) => Err(D::Error::custom(format!(
            "不支持的数据库地址 \"{}\"：只接受 postgres://… 或 postgresql://…（不设则使用 data_dir 里的 SQLite）",
            super::store::redact_url(u)
        ))),
    }
}

/// `server.trust_proxy`: addresses (`10.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`).
pub(super) fn proxies<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let list = Vec::<String>::deserialize(d)?;
    crate::client::TrustedProxies::parse(&list).map_err(D::Error::custom)?;
    Ok(list)
}

fn within<E: Error>(v: f32, low: f32, high: f32, allowed: &str) -> Result<f32, E> {
    // `contains` is false for NaN, so `nan` and `inf` are refused as well.
    if (low..=high).contains(&v) { Ok(v) } else { Err(E::custom(format!("取值 {v} 超出范围：{allowed}"))) }
}

/// A socket address, or a host name (letters, digits, `-`, `.`) with a port.
fn is_listen_address(s: &str) -> bool {
    if s.parse::<SocketAddr>().is_ok() {
        return true;
    }
    let Some((host, port)) = s.rsplit_once(':') else {
        return false;
    };
    let name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    port.parse::<u16>().is_ok() && !host.is_empty() && host.chars().all(name)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    /// The message alone: toml's `Display` also quotes the line, password and all
    /// (the loader uses the message only).
    fn error(text: &str) -> String {
        toml::from_str::<Config>(text).expect_err(text).message().to_owned()
    }

    #[test]
    fn values_that_parse_but_make_no_sense_are_refused_saying_what_is_allowed() {
        assert!(error("[search]\nanswer_threshold = 2.5").contains("应在 0 到 1 之间"));
        assert!(error("[search]\nanswer_threshold = -1.0").contains("-1"));
        assert!(error("[search]\nmargin = nan").contains("超出范围"));
        assert!(error("[search]\nbrief_lead = 0.5").contains("不小于 1"));
        assert!(error("[chat]\nchunk_chars = 0").contains("大于 0"));
        assert!(error("[handoff]\nevent_buffer = 0").contains("大于 0"));
        assert!(error("[server]\nbind = \"not an address\"").contains("监听地址"));
        assert!(error("[server]\nbind = \"127.0.0.1\"").contains("监听地址"));
        assert!(error("[server]\ntrust_proxy = [\"10.0.0.1\", \"proxy\"]").contains("「proxy」"));
        let url = error("[store]\nurl = \"mysql://root:pw-s3cret@db/tax\"");
        assert!(
            url.contains("postgres://") && url.contains("mysql://root:***@db/tax") && !url.contains("s3cret"),
            "{url}"
        );
        assert!(error("[analytics]\nlow_confidence = 93").contains("应在 0 到 1 之间"));
    }

    #[test]
    fn shipped_and_test_values_stay_valid() {
        let ok = "[search]\nanswer_threshold = 1.01\nsingle_answer_threshold = 1.01\nsole_answer_threshold = 1.01\n\
                  covered_sole_threshold = 1.01\nclarify_threshold = 0.0\nmargin = 0\n\
                  [server]\nbind = \"localhost:0\"\ntrust_proxy = [\"10.0.0.0/8\", \" ::1 \"]\ndrain_secs = 0\n\
                  [chat]\nstream_delay_ms = 0\n[store]\nurl = \"postgresql://db/taxbot\"\n[privacy]\nretention_days = 0\n";
        toml::from_str::<Config>(ok).expect("valid");
        for bind in ["0.0.0.0:8080", "[::]:8080", "127.0.0.1:0", "db-1.internal:8080"] {
            assert!(super::is_listen_address(bind), "{bind}");
        }
        toml::from_str::<Config>(&toml::to_string(&Config::default()).expect("toml")).expect("defaults are valid");
    }
}
