-- API keys of integrations using /api/v1/ask (only their SHA-256 is stored).
-- Timestamps are Unix milliseconds (UTC).

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,          -- the integration, e.g. "微信公众号桥接"
    key_hash   TEXT NOT NULL UNIQUE,          -- sha256 hex of the key
    created_at INTEGER NOT NULL,
    revoked_at INTEGER                        -- set when revoked; the key no longer works
);
