//! taxbot: an intelligent FAQ chatbot for 24/7 Chinese tax consultation.
//!
//! Module map (see the README and `docs/` for the full picture), top layer first:
//!
//! | module   | owns |
//! |----------|------|
//! | `cli`    | the `taxbot` commands behind `main.rs`, one file each (ask, eval, kb, user, serve, bench) |
//! | `server` | startup (`AppState`, handed to handlers as sub-states by `FromRef`), the router, static assets, graceful shutdown |
//! | `channels` | wire formats: `web` (WebSocket JSON, one session loop for both sockets), `http` (JSON + SSE API), `wechat` (公众号 XML), `hot` |
//! | `admin`  | console accounts and roles, sign-in sessions and CSRF, the admin route registry and routes, the audit log |
//! | `knowledge` | the knowledge workflow: drafts, versions, review, publish, rollback, import/export, live index swap |
//! | `chat`   | sessions, intents, follow-up context, turning a decision into replies and streamed chunks |
//! | `handoff`| human queue, agent presence and assignment, 留言 tickets, business hours, ratings |
//! | `analytics` | hot questions, clusters of unanswered questions, service figures, CSV (recounted off the chat path) |
//! | `search` | tantivy index, live swap, candidate retrieval, reranking, confidence, the `Decision`, evaluation |
//! | `kb`     | the FAQ entry type, loading and validating `knowledge-base/` (entries, word lists, topic plan) |
//! | `store`  | persistence behind the `Store` trait (SQLite, or PostgreSQL for several nodes with cross-node events through LISTEN/NOTIFY), embedded migrations |
//! | `text`   | normalisation, jieba segmentation with the tax dictionary, synonyms, stopwords, tantivy tokenizer adapters |
//! | `bench`  | the WebSocket load generator (`taxbot bench ws`) |
//!
//! Leaves that any module may use and that use no layer: `ids` (ids and the
//! `Channel`, `KnowledgeKind` and `VersionState` tags), `api_error` (error
//! codes, statuses, `ApiError`), `json_body` (the JSON body extractor),
//! `metrics`, `signing` (HMAC-SHA256, constant-time comparison), `client` (the caller's address behind trusted proxies, per-client
//! limits) and `config` (the typed configuration, owning every section's type).
//!
//! Imports point down the table only; within a layer a module may use a
//! sibling that does not use it back (`chat` → `handoff`, `channels` →
//! `admin::authenticate`).

/// mimalloc instead of the system allocator: building an index and answering
/// a question allocate many small, short-lived buffers (jieba's pieces, term
/// strings, tantivy's per-query scorers), where glibc's malloc took about a
/// quarter of the CPU time (see `docs/benchmarks.md`). Set here, in the
/// library, so that the server, the CLI, the tests and the benchmarks all run
/// on the allocator that production uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod admin;
pub mod analytics;
pub mod api_error;
pub mod bench;
pub mod channels;
pub mod chat;
pub mod cli;
pub mod client;
pub mod config;
pub mod handoff;
pub mod ids;
pub mod json_body;
pub mod kb;
pub mod knowledge;
pub mod metrics;
pub mod search;
pub mod server;
pub mod signing;
pub mod store;
pub mod text;
