-- Calendar feeds of kind 'tasks': the due dates of a person's open tasks
-- (docs/calendar-feeds.md). SQLite cannot change a CHECK constraint, so
-- the table is rebuilt with the same columns and rows; nothing refers to
-- calendar_feeds, so the rebuild keeps every foreign key intact.

CREATE TABLE calendar_feeds_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            INTEGER NOT NULL REFERENCES users(id),
    kind               TEXT NOT NULL CHECK (kind IN ('own', 'team', 'holidays', 'tasks')),
    state              TEXT CHECK ((kind = 'holidays') = (state IS NOT NULL)),
    token_hash         TEXT NOT NULL UNIQUE,
    created_at         TEXT NOT NULL,
    revoked_at         TEXT,
    last_used_at       TEXT,
    content_hash       TEXT NOT NULL DEFAULT '',
    content_changed_at TEXT
);
INSERT INTO calendar_feeds_new (id, user_id, kind, state, token_hash, created_at, revoked_at, last_used_at, content_hash, content_changed_at)
    SELECT id, user_id, kind, state, token_hash, created_at, revoked_at, last_used_at, content_hash, content_changed_at FROM calendar_feeds;
DROP TABLE calendar_feeds;
ALTER TABLE calendar_feeds_new RENAME TO calendar_feeds;
CREATE INDEX calendar_feeds_user ON calendar_feeds(user_id);
