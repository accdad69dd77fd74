//! Integration tests: the real server on port 0, real WebSocket and HTTP
//! clients, a real SQLite file per test (and a fresh PostgreSQL database for the
//! tests that run on both stores). One binary so it links once.

mod abuse_accounts;
mod abuse_api_keys;
mod abuse_clients;
mod abuse_frames;
mod abuse_headers;
mod abuse_import;
mod abuse_login;
mod abuse_privacy;
mod admin_auth;
mod admin_client;
mod admin_users;
mod analytics;
mod analytics_admin;
mod backup;
mod chat_ws;
mod config_cli;
mod config_layers;
mod deploy_unit;
mod desk;
mod embedded_kb;
mod handoff;
mod handoff_kill;
mod handoff_race;
mod helpers;
mod http_api;
mod identity;
mod kb_import_fault;
mod knowledge_expiry;
mod knowledge_store;
mod logs;
mod metrics;
mod migrate;
mod nodes;
mod nodes_grace;
mod nodes_handoff;
mod nodes_kill;
mod postgres;
mod process;
mod protocol_docs;
mod publish_race;
mod shutdown;
mod starters;
mod store_contract;
mod wechat;
