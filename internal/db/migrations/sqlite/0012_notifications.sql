-- Notifications: a message to one person about something they must act on
-- or should know (an absence request to decide, a decision, later tasks).
-- The text is rendered when read, in the reader's language, from kind and
-- args (names, dates, ids; never health data or secrets).
--   read_at: when the person marked it read (NULL: unread).
--   mail_state: none (no e-mail: SMTP not configured), pending, sent,
--     skipped (no address, or the person turned e-mail off), failed (gave
--     up after repeated errors). mail_next_at is the earliest next attempt,
--     mail_locked_until the claim of the instance sending it.
-- notification_settings: per person whether notifications also go out by
-- e-mail (default: yes).

CREATE TABLE notifications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES users(id),
    kind              TEXT NOT NULL,
    args              TEXT NOT NULL DEFAULT '[]',
    link              TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    read_at           TEXT,
    mail_state        TEXT NOT NULL DEFAULT 'none' CHECK (mail_state IN ('none', 'pending', 'sent', 'skipped', 'failed')),
    mail_attempts     INTEGER NOT NULL DEFAULT 0,
    mail_next_at      TEXT,
    mail_locked_until TEXT,
    mail_sent_at      TEXT,
    mail_error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_mail ON notifications(mail_next_at) WHERE mail_state = 'pending';
CREATE INDEX notifications_created ON notifications(created_at);

CREATE TABLE notification_settings (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    email      INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
