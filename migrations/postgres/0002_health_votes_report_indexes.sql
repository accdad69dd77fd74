-- /readyz writes this one row to check the database takes writes.
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TIMESTAMPTZ NOT NULL
);

-- One vote per answer: a second vote replaces the first.
DELETE FROM feedback WHERE id NOT IN (SELECT MAX(id) FROM feedback GROUP BY message_id);
DROP INDEX feedback_by_message;
CREATE UNIQUE INDEX feedback_one_per_answer ON feedback(message_id);

-- The analytics report's pairing of bot replies with the question before them.
CREATE INDEX messages_by_sender ON messages(conversation_id, sender, id);
CREATE INDEX handoffs_by_conversation_time ON handoffs(conversation_id, requested_at);
