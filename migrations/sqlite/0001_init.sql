-- taxbot SQLite schema, version 1. Timestamps are Unix milliseconds (UTC).

CREATE TABLE visitors (
    key        TEXT PRIMARY KEY,          -- web visitor token, or "api:<user_id>"
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,     -- session id (UUID)
    visitor         TEXT NOT NULL REFERENCES visitors(key),
    channel         TEXT NOT NULL,        -- web | http | wechat
    state           TEXT NOT NULL,        -- bot | queued | human
    agent_id        TEXT,                 -- the agent serving it now
    served_by       TEXT,                 -- the last agent who served it
    awaiting_rating INTEGER NOT NULL DEFAULT 0,
    resolution      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX conversations_by_visitor ON conversations(visitor, created_at);
CREATE INDEX conversations_by_state ON conversations(state);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    sender          TEXT NOT NULL,        -- visitor | bot | agent | system
    text            TEXT NOT NULL,
    decision        TEXT,                 -- answer | clarify | no_match (bot replies to questions)
    entry_id        TEXT,
    confidence      REAL,
    agent_id        TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_by_decision ON messages(decision, created_at);

CREATE TABLE feedback (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      INTEGER NOT NULL REFERENCES messages(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    helpful         INTEGER NOT NULL,
    comment         TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE ratings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent_id        TEXT,
    stars           INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment         TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE queue_entries (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    enqueued_at     INTEGER NOT NULL
);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    visitor         TEXT NOT NULL,
    text            TEXT NOT NULL,
    contact         TEXT,
    status          TEXT NOT NULL,        -- open | answered | delivered
    answer          TEXT,
    agent_id        TEXT,
    created_at      INTEGER NOT NULL,
    answered_at     INTEGER
);
CREATE INDEX tickets_by_visitor ON tickets(visitor, status);
CREATE INDEX tickets_by_status ON tickets(status, id);

CREATE TABLE agents (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    max_concurrent INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
