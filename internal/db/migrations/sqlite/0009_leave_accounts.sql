-- Leave accounts (Urlaubskonten). The entitlement of a year is computed
-- (internal/absence/entitlement) from the contract data HR maintains here;
-- carry-over is derived from the previous year, never stored.
-- leave_contracts: one row per person.
--   annual_days: contractual leave days for a five-day week (0: the
--     statutory minimum only), converted to the person's days per week;
--   employment_start / employment_end: first and last day of employment
--     ('YYYY-MM-DD'), NULL when not given;
--   first_year: the first year ortlos keeps the account; no carry-over is
--     derived into it (a balance from earlier records is an adjustment).
-- leave_adjustments: manual corrections of the account of one year, with
--   a mandatory reason. days is an exact decimal as text (e.g. '-1.5',
--   at most two decimals), so that sums stay exact.

CREATE TABLE leave_contracts (
    user_id          INTEGER PRIMARY KEY REFERENCES users(id),
    annual_days      INTEGER NOT NULL CHECK (annual_days BETWEEN 0 AND 262),
    employment_start TEXT CHECK (employment_start IS NULL OR length(employment_start) = 10),
    employment_end   TEXT CHECK (employment_end IS NULL OR length(employment_end) = 10),
    first_year       INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    updated_by       INTEGER REFERENCES users(id)
);

CREATE TABLE leave_adjustments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    year       INTEGER NOT NULL,
    days       TEXT NOT NULL,
    reason     TEXT NOT NULL CHECK (length(reason) > 0),
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id)
);
CREATE INDEX leave_adjustments_user ON leave_adjustments(user_id, year);
