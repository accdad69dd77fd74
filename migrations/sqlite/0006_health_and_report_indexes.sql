-- /readyz writes this one row to check the database takes writes (a full
-- disk or an I/O fault fails it while reads still work).
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
);

-- The analytics report pairs each bot reply with the visitor message before
-- it (MAX(id) per conversation and sender: one index seek instead of a walk
-- over the conversation) and looks for handoffs after a question.
CREATE INDEX messages_by_sender ON messages(conversation_id, sender, id);
CREATE INDEX handoffs_by_conversation_time ON handoffs(conversation_id, requested_at);
