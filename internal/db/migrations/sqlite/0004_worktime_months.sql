-- Monthly sign-off and flexitime closing (Monatsabschluss). One row per
-- person and calendar month ('YYYY-MM') once the employee confirmed it.
-- The employee's confirmation locks the month (later corrections need the
-- lead's approval); the lead's countersignature closes it: the month's
-- figures and the flexitime account after caps are frozen in the row.
-- A reopened month loses both signatures (audited).
--
-- time_entry_revisions.automatic marks revisions the system wrote, such as
-- the automatic deduction of a missing statutory break.

ALTER TABLE time_entry_revisions ADD COLUMN automatic INTEGER NOT NULL DEFAULT 0;

CREATE TABLE worktime_months (
    user_id            INTEGER NOT NULL REFERENCES users(id),
    month              TEXT NOT NULL CHECK (length(month) = 7),
    employee_signed_at TEXT,
    employee_signed_by INTEGER REFERENCES users(id),
    lead_signed_at     TEXT,
    lead_signed_by     INTEGER REFERENCES users(id),
    target_minutes     INTEGER NOT NULL DEFAULT 0,
    worked_minutes     INTEGER NOT NULL DEFAULT 0,
    balance_minutes    INTEGER NOT NULL DEFAULT 0,
    forfeited_minutes  INTEGER NOT NULL DEFAULT 0,
    account_minutes    INTEGER NOT NULL DEFAULT 0,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (user_id, month)
);
