-- Calendar feeds: secret, revocable iCalendar (RFC 5545) subscriptions.
-- Each row is one feed URL of a person: kind 'own' (their absences),
-- 'team' (their team's absences, with the privacy rules of
-- docs/calendar-feeds.md) or 'holidays' (public holidays of the Land in
-- state). Only the SHA-256 of the secret token is stored; the token itself
-- is shown once. A revoked feed answers 404 for good.
--   last_used_at: last fetch (updated at most every few minutes);
--   content_hash, content_changed_at: the hash of the last body served and
--     when it last changed, so Last-Modified moves even for changes that
--     leave no time stamp (a cancelled absence, a renamed person).

CREATE TABLE calendar_feeds (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            INTEGER NOT NULL REFERENCES users(id),
    kind               TEXT NOT NULL CHECK (kind IN ('own', 'team', 'holidays')),
    state              TEXT CHECK ((kind = 'holidays') = (state IS NOT NULL)),
    token_hash         TEXT NOT NULL UNIQUE,
    created_at         TEXT NOT NULL,
    revoked_at         TEXT,
    last_used_at       TEXT,
    content_hash       TEXT NOT NULL DEFAULT '',
    content_changed_at TEXT
);
CREATE INDEX calendar_feeds_user ON calendar_feeds(user_id);
