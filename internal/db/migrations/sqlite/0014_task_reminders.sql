-- Task reminders (issue 5): the job that notifies assignees of tasks due
-- tomorrow and of overdue tasks records each reminder here, in the same
-- transaction as its notifications. The primary key makes the job
-- idempotent: every instance may run it, and a reminder whose row another
-- instance (or an earlier run) inserted is skipped.
--   kind: due_tomorrow or overdue.
--   day:  the due date the reminder is about (YYYY-MM-DD), so a task whose
--         due date moves is reminded again for the new date.
CREATE TABLE task_reminders (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('due_tomorrow', 'overdue')),
    day     TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (task_id, kind, day)
);
CREATE INDEX task_reminders_sent ON task_reminders(sent_at);
