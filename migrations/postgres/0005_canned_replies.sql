-- 快捷回复: canned replies agents insert into their reply box, kept per team
-- (a free-text team name; '' is the list every agent sees).
CREATE TABLE canned_replies (
    id         BIGSERIAL PRIMARY KEY,
    team       TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX canned_replies_by_team ON canned_replies(team, title);

-- The desk's history lists closed conversations newest first.
CREATE INDEX conversations_closed ON conversations(state, updated_at);
