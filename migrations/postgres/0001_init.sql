-- taxbot PostgreSQL schema: the same tables as the SQLite migrations 0001-0005,
-- with PostgreSQL types (timestamptz, bigserial, boolean). Row order that
-- SQLite takes from rowid comes from a `seq` bigserial here.

CREATE TABLE visitors (
    key        TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,
    seq             BIGSERIAL NOT NULL,
    visitor         TEXT NOT NULL REFERENCES visitors(key),
    channel         TEXT NOT NULL,
    state           TEXT NOT NULL,
    agent_id        TEXT,
    served_by       TEXT,
    awaiting_rating BOOLEAN NOT NULL DEFAULT FALSE,
    resolution      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX conversations_by_visitor ON conversations(visitor, created_at);
CREATE INDEX conversations_by_state ON conversations(state);

CREATE TABLE messages (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    sender          TEXT NOT NULL,
    text            TEXT NOT NULL,
    decision        TEXT,
    entry_id        TEXT,
    confidence      DOUBLE PRECISION,
    agent_id        TEXT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_by_decision ON messages(decision, created_at);

CREATE TABLE feedback (
    id              BIGSERIAL PRIMARY KEY,
    message_id      BIGINT NOT NULL REFERENCES messages(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    helpful         BOOLEAN NOT NULL,
    comment         TEXT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX feedback_by_message ON feedback(message_id);

CREATE TABLE ratings (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent_id        TEXT,
    stars           BIGINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment         TEXT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX ratings_by_time ON ratings(created_at);

CREATE TABLE queue_entries (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    seq             BIGSERIAL NOT NULL,
    enqueued_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE tickets (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    visitor         TEXT NOT NULL,
    text            TEXT NOT NULL,
    contact         TEXT,
    status          TEXT NOT NULL,
    answer          TEXT,
    agent_id        TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    answered_at     TIMESTAMPTZ
);
CREATE INDEX tickets_by_visitor ON tickets(visitor, status);
CREATE INDEX tickets_by_status ON tickets(status, id);

CREATE TABLE agents (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    max_concurrent BIGINT NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    max_concurrent BIGINT NOT NULL DEFAULT 3,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_sessions_by_user ON admin_sessions(user_id);

CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL,                   -- JSON text, as on SQLite
    ip      TEXT
);
CREATE INDEX audit_log_by_at ON audit_log(at);
CREATE INDEX audit_log_by_actor ON audit_log(actor, at);

CREATE TABLE knowledge_versions (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    content     TEXT NOT NULL,
    state       TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    reviewed_by TEXT,
    summary     TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, key, version)
);
CREATE INDEX knowledge_current ON knowledge_versions(state, kind, key);

CREATE TABLE handoffs (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    channel         TEXT NOT NULL,
    requested_at    TIMESTAMPTZ NOT NULL,
    accepted_at     TIMESTAMPTZ,
    agent_id        TEXT,
    outcome         TEXT NOT NULL
);
CREATE INDEX handoffs_by_time ON handoffs(requested_at);
CREATE INDEX handoffs_by_conversation ON handoffs(conversation_id, id);

CREATE TABLE dismissed_questions (
    text         TEXT PRIMARY KEY,
    dismissed_by TEXT NOT NULL,
    dismissed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
