//! The console back end: accounts and roles, sign-in sessions with CSRF
//! protection, the admin route registry and the audit log. See `docs/admin.md`.
//!
//! Every admin route is added through [`AdminRoutes::add`], which records its
//! required [`Role`]; one guard in front of all of them answers 401 to
//! anonymous callers and 403 to roles that are too low, so a route cannot be
//! mounted without a role. Feature modules contribute `routes(AdminRoutes) -> AdminRoutes`.

pub mod analytics;
pub mod audit;
mod audit_api;
mod auth;
pub mod knowledge;
mod role;
mod routes;
mod session;
mod throttle;
pub mod users;
mod users_api;

use axum::Router;
use axum::http::Method;
use serde::{Deserialize, Serialize};

pub use audit::Actor;
pub use role::Role;
pub use routes::{AdminRoutes, RouteInfo};
pub use session::{Principal, SESSION_COOKIE, authenticate};
pub use throttle::{ClientIp, Throttle};

use crate::server::AppState;

/// `[admin]` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// How long a console sign-in lasts.
    pub session_hours: u32,
    /// Always mark the session cookie `Secure` (set when serving over HTTPS).
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-Proto` / `X-Forwarded-For` from a reverse proxy in front.
    pub trust_proxy: bool,
    /// Failed sign-ins allowed per account name and per client address...
    pub max_login_failures: u32,
    /// ...within this many minutes (then 429 until the oldest failure is that old).
    pub login_window_mins: u32,
    /// Who may publish a draft: `single` (any editor) or `review` (a second editor approves).
    pub publish_policy: knowledge::PublishPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_hours: 12,
            secure_cookies: false,
            trust_proxy: false,
            max_login_failures: 5,
            login_window_mins: 15,
            publish_policy: knowledge::PublishPolicy::Single,
        }
    }
}

/// Shared sign-in state kept in `AppState`.
#[derive(Debug)]
pub struct Auth {
    /// The `[admin]` settings.
    pub settings: Settings,
    /// Failed sign-ins.
    pub throttle: Throttle,
}

impl Auth {
    /// Sign-in state for `settings`.
    pub fn new(settings: Settings) -> Self {
        let window = std::time::Duration::from_secs(u64::from(settings.login_window_mins.max(1)) * 60);
        Auth { throttle: Throttle::new(settings.max_login_failures, window), settings }
    }
}

/// Every admin route, in registration order.
fn all(r: AdminRoutes) -> AdminRoutes {
    let r = r
        .add(Method::GET, "/api/admin/me", Role::Agent, auth::me)
        .add(Method::POST, "/api/admin/logout", Role::Agent, auth::logout)
        .add(Method::GET, "/api/admin/users", Role::Admin, users_api::list)
        .add(Method::POST, "/api/admin/users", Role::Admin, users_api::add)
        .add(Method::PUT, "/api/admin/users/{id}", Role::Admin, users_api::update)
        .add(Method::GET, "/api/admin/audit", Role::Admin, audit_api::list)
        .add(Method::GET, "/api/admin/audit.csv", Role::Admin, audit_api::csv);
    knowledge::routes::routes(analytics::routes(r))
}

/// The admin API: `POST /api/admin/login` (public) plus every registered route behind the role guard.
pub fn router(state: AppState) -> Router<AppState> {
    all(AdminRoutes::new()).into_router(state).route("/api/admin/login", axum::routing::post(auth::login))
}

/// `(method, path, role)` of every registered admin route (tests enumerate them).
pub fn route_table() -> Vec<RouteInfo> {
    all(AdminRoutes::new()).table()
}
