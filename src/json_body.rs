//! `JsonBody<T>`: the app's JSON request-body extractor. A body that is not
//! valid JSON for `T` becomes the documented `bad_json` error (not axum's
//! plain-text rejection); a body over the size limit keeps its 413. Unlike
//! axum's `Json` it does not require a `Content-Type`, as the API never did.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::api_error::ApiError;

/// A request body parsed as JSON into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let body = Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        serde_json::from_slice(&body).map(JsonBody).map_err(|e| ApiError::bad_json(e).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[derive(Debug, serde::Deserialize)]
    struct Ask {
        text: String,
    }

    async fn extract(body: &'static str) -> Result<JsonBody<Ask>, Response> {
        let req = Request::builder().method("POST").uri("/").body(axum::body::Body::from(body)).expect("request");
        JsonBody::<Ask>::from_request(req, &()).await
    }

    #[tokio::test]
    async fn valid_bodies_parse_and_bad_ones_are_bad_json() {
        let JsonBody(ask) = extract(r#"{"text":"你好"}"#).await.expect("valid");
        assert_eq!(ask.text, "你好");
        for bad in ["{", r#"{"txt":1}"#, ""] {
            let r = extract(bad).await.expect_err("invalid");
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
            let body = axum::body::to_bytes(r.into_body(), 4096).await.expect("body");
            let v: serde_json::Value = serde_json::from_slice(&body).expect("json error body");
            assert_eq!(v["error"]["code"], "bad_json");
        }
    }
}
