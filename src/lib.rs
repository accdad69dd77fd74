//! taxbot: an intelligent FAQ chatbot for 24/7 Chinese tax consultation.
//!
//! Module map (see `docs/` and the design notes for the full picture):
//!
//! | module   | owns |
//! |----------|------|
//! | `text`   | normalisation, jieba segmentation with the tax dictionary, synonyms, stopwords, tantivy tokenizer adapters |
//! | `kb`     | the FAQ entry type, loading and validating `knowledge-base/` |
//! | `search` | tantivy index, live swap, candidate retrieval, reranking, confidence, the `Decision`, evaluation |
//! | `config` | one typed configuration (defaults < `taxbot.toml` < `TAXBOT_*` env) |
//!
//! Dependencies point one way: `search` → `kb` → `text`; `config` is read at startup only.

pub mod config;
pub mod kb;
pub mod search;
pub mod text;
