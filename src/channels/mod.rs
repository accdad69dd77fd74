//! Channel adapters: each translates its wire format to and from the
//! conversation engine and holds no business rules.
//!
//! - `web`: WebSocket JSON for the widget (`/ws/chat`) and agents (`/ws/agent`).
//! - `http`: JSON and server-sent events for bots bridged to other systems.
//! - `hot`: the public hot-question list (`GET /api/v1/hot`).
//! - `wechat`: WeChat Official Account callbacks (XML, optionally encrypted).

pub mod hot;
pub mod http;
pub mod web;
pub mod wechat;
