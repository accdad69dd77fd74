-- Verified visitor identity (docs/widget.md): what a host site vouched for in
-- the widget's signed identity, one row per conversation. Only the display
-- name and the masked user id are kept (never the full 纳税人识别号); an
-- identity that failed verification is a row with verified = 0 and no data.
-- Timestamps are Unix milliseconds (UTC).
CREATE TABLE visitor_identities (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    verified        INTEGER NOT NULL,
    name            TEXT,
    masked_id       TEXT,
    updated_at      INTEGER NOT NULL
);

-- The editors' starter questions (热门问题 before enough visitors asked),
-- in order; empty = `chat.starter_questions` from the configuration.
CREATE TABLE starter_questions (
    position INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL
);
