-- Analytics: handoff events (for the 人工接通率 and queue waits) and the
-- unanswered questions editors dismissed. Timestamps are Unix milliseconds (UTC).

CREATE TABLE handoffs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    channel         TEXT NOT NULL,        -- web | http | wechat
    requested_at    INTEGER NOT NULL,
    accepted_at     INTEGER,              -- when an agent first took it
    agent_id        TEXT,                 -- that agent
    outcome         TEXT NOT NULL         -- queued | connected | cancelled | offline
);
CREATE INDEX handoffs_by_time ON handoffs(requested_at);
CREATE INDEX handoffs_by_conversation ON handoffs(conversation_id, id);

CREATE TABLE dismissed_questions (
    text         TEXT PRIMARY KEY,        -- a visitor question, as asked
    dismissed_by TEXT NOT NULL,
    dismissed_at INTEGER NOT NULL
);

CREATE INDEX feedback_by_message ON feedback(message_id);
CREATE INDEX ratings_by_time ON ratings(created_at);
