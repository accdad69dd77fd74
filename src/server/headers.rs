//! Security headers of the static files: what a browser may load, run and
//! frame for each kind of page (see `docs/security.md`).
//!
//! - The console runs no inline script (`script-src 'self'`), may not be
//!   framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`) and sends no
//!   referrer. Its styles are partly inline (the analytics page's `<style>`,
//!   a few `style` attributes), hence `style-src 'unsafe-inline'`.
//! - The demo page is a host page like any other: it loads the widget from
//!   us and lets it connect back.
//! - The widget script is loaded by other sites: it must not be sniffed as
//!   anything but JavaScript, and may be embedded cross-origin.

use axum::http::HeaderValue;
use axum::http::header::{self, HeaderMap, HeaderName};

/// Which policy a static response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Policy {
    /// `/console/…`.
    Console,
    /// `/`, the demo page.
    DemoPage,
    /// `/widget.js`.
    Widget,
}

const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";
const DEMO_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'self'";

/// The headers of `policy`.
pub(super) fn security_headers(policy: Policy) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut set = |name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    match policy {
        Policy::Console => {
            set(header::CONTENT_SECURITY_POLICY, CONSOLE_CSP);
            set(header::X_FRAME_OPTIONS, "DENY");
            set(header::REFERRER_POLICY, "no-referrer");
        }
        Policy::DemoPage => {
            set(header::CONTENT_SECURITY_POLICY, DEMO_CSP);
            set(header::X_FRAME_OPTIONS, "SAMEORIGIN");
            set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
        }
        Policy::Widget => {
            set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
            set(HeaderName::from_static("cross-origin-resource-policy"), "cross-origin");
        }
    }
    h
}
