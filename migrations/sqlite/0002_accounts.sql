-- Console accounts, their sign-in sessions and the audit log. Timestamps are
-- Unix milliseconds (UTC).

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,            -- agent | editor | admin
    password_hash  TEXT NOT NULL,            -- argon2id PHC string
    max_concurrent INTEGER NOT NULL DEFAULT 3,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,             -- sha256 hex of the cookie value
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);
CREATE INDEX admin_sessions_by_user ON admin_sessions(user_id);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,                   -- user name, or "cli" / the name tried for a failed login
    action  TEXT NOT NULL,                   -- dotted: login, login.failed, user.add, entry.publish, ...
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL,                   -- JSON
    ip      TEXT
);
CREATE INDEX audit_log_by_at ON audit_log(at);
CREATE INDEX audit_log_by_actor ON audit_log(actor, at);
