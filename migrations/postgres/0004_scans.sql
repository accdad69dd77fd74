-- 二维码一次性告知: one row per scan of an entry's printed QR code (no visitor data).
CREATE TABLE scans (
    id         BIGSERIAL PRIMARY KEY,
    entry_id   TEXT NOT NULL,
    scanned_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX scans_by_time ON scans(scanned_at);
