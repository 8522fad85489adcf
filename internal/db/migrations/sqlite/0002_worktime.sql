-- Working time: clock intervals with an append-only revision history.
-- An entry is one logical work interval; its current state is the revision
-- with the highest number. Revisions are never changed or deleted: clocking
-- out, corrections and deletions all add a revision.

CREATE TABLE time_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX time_entries_user ON time_entries(user_id, id);

CREATE TABLE time_entry_revisions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id        INTEGER NOT NULL REFERENCES time_entries(id),
    revision        INTEGER NOT NULL,
    start_at        TEXT NOT NULL,
    end_at          TEXT,
    location        TEXT NOT NULL CHECK (location IN ('office', 'home', 'mobile')),
    source          TEXT NOT NULL CHECK (source IN ('clock', 'manual', 'correction')),
    reason          TEXT NOT NULL DEFAULT '',
    deleted         INTEGER NOT NULL DEFAULT 0,
    ends_with_break INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    created_by      INTEGER REFERENCES users(id),
    UNIQUE (entry_id, revision)
);
CREATE INDEX time_entry_revisions_start ON time_entry_revisions(start_at);

CREATE TRIGGER time_entry_revisions_no_update BEFORE UPDATE ON time_entry_revisions
BEGIN SELECT RAISE(ABORT, 'time_entry_revisions is append-only'); END;
CREATE TRIGGER time_entry_revisions_no_delete BEFORE DELETE ON time_entry_revisions
BEGIN SELECT RAISE(ABORT, 'time_entry_revisions is append-only'); END;
