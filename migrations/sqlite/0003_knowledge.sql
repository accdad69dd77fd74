-- Knowledge in the store: every version of every entry and word list.
-- kind: entry | synonyms | dictionary | stopwords; key: the entry id, or '-' for a word list.
-- content: an entry as the JSON of kb::Entry, a word list as its file text.
-- The published base is the one `published` row per (kind, key); at most one `draft` per key.
-- Timestamps are Unix milliseconds (UTC).

CREATE TABLE knowledge_versions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    content     TEXT NOT NULL,
    state       TEXT NOT NULL,            -- draft | published | superseded | discarded
    author      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    reviewed_by TEXT,
    summary     TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, key, version)
);
CREATE INDEX knowledge_current ON knowledge_versions(state, kind, key);
