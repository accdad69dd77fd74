-- Agents connected to each node, so that every node sharing the database
-- knows who is online (queue estimates, "no agent online", transfers).
-- A node writes only its own rows; `seen_at` is refreshed while it lives.
CREATE TABLE agent_presence (
    agent_id TEXT NOT NULL,
    node TEXT NOT NULL,
    presence TEXT NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, node)
);
