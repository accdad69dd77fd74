//! The console back end: accounts and roles, sign-in sessions with CSRF
//! protection, the admin route registry and the audit log. See `docs/admin.md`.
//!
//! Every admin route is added through [`AdminRoutes::add`], which records its
//! required [`Role`]; one guard in front of all of them answers 401 to
//! anonymous callers and 403 to roles that are too low, so a route cannot be
//! mounted without a role. Feature modules contribute `routes(AdminRoutes) -> AdminRoutes`.

pub mod analytics;
pub mod api_keys;
pub mod audit;
mod audit_api;
mod auth;
mod canned;
mod history;
mod knowledge_api;
mod qr;
mod revoke;
mod role;
mod routes;
mod session;
mod starters_api;
mod state;
mod suggest;
mod throttle;
pub mod users;
mod users_api;

use axum::Router;
use axum::http::Method;

pub use crate::config::admin::Settings;
pub use audit::Actor;
pub use canned::CannedError;
pub use history::{HistoryError, visitor_name};
pub use revoke::{RECHECK_EVERY, Revocations, session_valid};
pub use role::Role;
pub use routes::{AdminRoutes, RouteInfo};
pub use session::{Principal, SESSION_COOKIE, authenticate};
pub use state::AdminState;
pub use throttle::Throttle;

/// Shared sign-in state kept in `AdminState`.
#[derive(Debug)]
pub struct Auth {
    /// The `[admin]` settings.
    pub settings: Settings,
    /// Failed sign-ins.
    pub throttle: Throttle,
    /// Tells open agent sockets that an account's sign-ins may have ended.
    pub revocations: Revocations,
}

impl Auth {
    /// Sign-in state for `settings`.
    pub fn new(settings: Settings) -> Self {
        let window = std::time::Duration::from_secs(u64::from(settings.login_window_mins.max(1)) * 60);
        let throttle = Throttle::new(settings.max_login_failures, window);
        Auth { throttle, settings, revocations: Revocations::default() }
    }
}

/// Every admin route, in registration order.
fn all(r: AdminRoutes) -> AdminRoutes {
    let r = r
        .add(Method::GET, "/api/admin/me", Role::Agent, auth::me)
        .add(Method::POST, "/api/admin/logout", Role::Agent, auth::logout)
        .add(Method::POST, "/api/admin/suggest", Role::Agent, suggest::suggest)
        .add(Method::GET, "/api/admin/canned", Role::Agent, canned::list)
        .add(Method::POST, "/api/admin/canned", Role::Admin, canned::add)
        .add(Method::PUT, "/api/admin/canned/{id}", Role::Admin, canned::update)
        .add(Method::DELETE, "/api/admin/canned/{id}", Role::Admin, canned::delete)
        .add(Method::GET, "/api/admin/history", Role::Agent, history::list)
        .add(Method::GET, "/api/admin/history/{id}", Role::Agent, history::show)
        .add(Method::GET, "/api/admin/users", Role::Admin, users_api::list)
        .add(Method::POST, "/api/admin/users", Role::Admin, users_api::add)
        .add(Method::PUT, "/api/admin/users/{id}", Role::Admin, users_api::update)
        .add(Method::GET, "/api/admin/apikeys", Role::Admin, api_keys::list)
        .add(Method::POST, "/api/admin/apikeys", Role::Admin, api_keys::add)
        .add(Method::DELETE, "/api/admin/apikeys/{id}", Role::Admin, api_keys::revoke)
        .add(Method::GET, "/api/admin/audit", Role::Admin, audit_api::list)
        .add(Method::GET, "/api/admin/audit.csv", Role::Admin, audit_api::csv)
        .add(Method::GET, "/api/admin/qr.svg", Role::Editor, qr::qr_svg)
        .add(Method::GET, "/api/admin/qr.png", Role::Editor, qr::qr_png)
        .add(Method::GET, "/api/admin/starters", Role::Editor, starters_api::list)
        .add(Method::PUT, "/api/admin/starters", Role::Editor, starters_api::save);
    knowledge_api::routes(analytics::routes(r))
}

/// The admin API: `POST /api/admin/login` (public) plus every registered route behind the role guard.
pub fn router<S: Clone + Send + Sync + 'static>(state: AdminState) -> Router<S> {
    all(AdminRoutes::new())
        .into_router(state.clone())
        .route("/api/admin/login", axum::routing::post(auth::login))
        .with_state(state)
}

/// `(method, path, role)` of every registered admin route (tests enumerate them).
pub fn route_table() -> Vec<RouteInfo> {
    all(AdminRoutes::new()).table()
}
