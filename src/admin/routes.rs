//! The admin route registry: mounting a route records its required role, and
//! one guard enforces it for all of them.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};

use super::{AdminState, Principal, Role};
use crate::api_error::ApiError;

/// One registered admin route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// HTTP method.
    pub method: Method,
    /// axum path pattern (`/api/admin/entries/{id}`).
    pub path: &'static str,
    /// Lowest role allowed.
    pub role: Role,
}

/// Builder of the admin routes (see [`AdminRoutes::add`]).
#[derive(Default)]
pub struct AdminRoutes {
    router: Router<AdminState>,
    table: Vec<RouteInfo>,
}

impl AdminRoutes {
    /// No routes yet.
    pub fn new() -> Self {
        AdminRoutes::default()
    }

    /// Mounts `handler` at `method path`, reachable only by signed-in users whose role
    /// allows `role` (401 anonymous, 403 otherwise; state-changing methods also need
    /// the CSRF header). Panics on a path outside `/api/admin/` or a non-standard method:
    /// both are programming errors caught by any test that builds the router.
    pub fn add<H, T>(mut self, method: Method, path: &'static str, role: Role, handler: H) -> Self
    where
        H: Handler<T, AdminState>,
        T: 'static,
    {
        assert!(path.starts_with("/api/admin/"), "admin route {path} must start with /api/admin/");
        let filter = MethodFilter::try_from(method.clone()).expect("a standard HTTP method");
        self.router = self.router.route(path, on(filter, handler));
        self.table.push(RouteInfo { method, path, role });
        self
    }

    /// The recorded routes.
    pub fn table(self) -> Vec<RouteInfo> {
        self.table
    }

    /// The routes behind the role guard.
    pub fn into_router(self, state: AdminState) -> Router<AdminState> {
        let table = Arc::new(self.table);
        self.router.route_layer(middleware::from_fn_with_state((state, table), guard))
    }
}

type GuardState = (AdminState, Arc<Vec<RouteInfo>>);

async fn guard(State((state, table)): State<GuardState>, path: MatchedPath, req: Request, next: Next) -> Response {
    let method = if req.method() == Method::HEAD { Method::GET } else { req.method().clone() };
    let Some(needed) = table.iter().find(|r| r.method == method && r.path == path.as_str()).map(|r| r.role) else {
        return ApiError::forbidden().into_response();
    };
    let (mut parts, body) = req.into_parts();
    let principal = match Principal::from_request_parts(&mut parts, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if !principal.role.allows(needed) {
        return ApiError::forbidden().into_response();
    }
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}
