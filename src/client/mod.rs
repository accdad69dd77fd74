//! Who is calling, and what one caller may hold or send: the client's
//! address behind trusted proxies ([`ClientAddr`], [`TrustedProxies`]) and the
//! per-client bounds ([`ClientLimits`]). A leaf: it uses only `config` and
//! `api_error`, and every channel and the console use it.

mod addr;
mod limits;

pub use addr::{ClientAddr, TrustedProxies, same_origin};
pub use limits::{ClientLimits, ConnectionGuard};

/// The `[limits]` configuration section.
pub use crate::config::limits::Settings;
