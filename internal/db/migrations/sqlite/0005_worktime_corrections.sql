-- Correction requests (Korrekturanträge). A change of working time that
-- lies too far back (ORTLOS_WORKTIME_CORRECTION_DAYS) or falls into a
-- signed-off month is not applied at once: it waits here until the
-- person's lead (or, without a lead, HR) approves or rejects it, or the
-- requester withdraws it. Approval adds the revision to
-- time_entry_revisions in the same transaction; the request row keeps
-- the decision. entry_id is NULL for a requested new entry until it is
-- approved; base_revision is the revision the change was made against
-- (optimistic concurrency).

CREATE TABLE worktime_corrections (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    entry_id      INTEGER REFERENCES time_entries(id),
    action        TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    start_at      TEXT NOT NULL,
    end_at        TEXT,
    location      TEXT NOT NULL CHECK (location IN ('office', 'home', 'mobile')),
    reason        TEXT NOT NULL,
    base_revision INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    requested_at  TEXT NOT NULL,
    requested_by  INTEGER REFERENCES users(id),
    decided_at    TEXT,
    decided_by    INTEGER REFERENCES users(id),
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX worktime_corrections_user ON worktime_corrections(user_id, status);
CREATE INDEX worktime_corrections_entry ON worktime_corrections(entry_id);
CREATE INDEX worktime_corrections_status ON worktime_corrections(status, id);
