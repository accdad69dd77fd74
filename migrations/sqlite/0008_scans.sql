-- 二维码一次性告知: one row per scan of an entry's printed QR code (no visitor
-- data). Timestamps are Unix milliseconds (UTC).
CREATE TABLE scans (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id   TEXT NOT NULL,
    scanned_at INTEGER NOT NULL
);
CREATE INDEX scans_by_time ON scans(scanned_at);
