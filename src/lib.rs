//! taxbot: an intelligent FAQ chatbot for 24/7 Chinese tax consultation.
//!
//! Module map (see `docs/` and the design notes for the full picture):
//!
//! | module   | owns |
//! |----------|------|
//! | `text`   | normalisation, jieba segmentation with the tax dictionary, synonyms, stopwords, tantivy tokenizer adapters |
//! | `kb`     | the FAQ entry type, loading and validating `knowledge-base/` (entries, word lists, topic plan) |
//! | `search` | tantivy index, live swap, candidate retrieval, reranking, confidence, the `Decision`, evaluation |
//! | `chat`   | sessions, intents, follow-up context, turning a decision into replies and streamed chunks |
//! | `handoff`| human queue, agent presence and assignment, 留言 tickets, business hours, ratings |
//! | `store`  | persistence behind the `Store` trait (SQLite now), embedded migrations |
//! | `channels` | wire formats: `web` (WebSocket JSON), `http` (JSON + SSE API) |
//! | `server` | axum router, limits, health and metrics, graceful shutdown, `App` wiring |
//! | `analytics` | hot questions, clusters of unanswered questions, service figures, CSV (recounted off the chat path) |
//! | `bench`  | the WebSocket load generator (`taxbot bench ws`) |
//! | `admin`  | console accounts and roles, sign-in sessions and CSRF, the admin route registry, the audit log |
//! | `config` | one typed configuration (defaults < `taxbot.toml` < `TAXBOT_*` env) |
//! | `cli`    | the `taxbot` commands behind `main.rs`, one file each (ask, eval, kb, user, serve, bench) |
//!
//! Dependencies point one way: `server` → `channels` → `chat` → `handoff` →
//! `store`, and `chat` → `search` → `kb` → `text`; `config` is read at startup only.

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
pub mod config;
pub mod handoff;
pub mod ids;
pub mod kb;
pub mod knowledge;
pub mod metrics;
pub mod search;
pub mod server;
pub mod store;
pub mod text;
