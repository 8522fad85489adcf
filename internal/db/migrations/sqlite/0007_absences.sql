-- Absences (Abwesenheiten): leave, sickness, business trips and the like.
-- absence_types holds the configurable types with sensible German
-- defaults; the id is a stable code used in the API and in exports.
--   needs_approval: a request waits for the lead (sickness does not);
--   credits_target: approved days credit the working-time target, so the
--     flexitime account is unchanged (a Gleittag does not: it draws from
--     the account);
--   health_data: the type reveals health data and is shown only to the
--     person, HR and (where allowed) the lead; colleagues see "abwesend".
-- absences: one row per absence; day_length 'full' for whole days,
-- 'morning' or 'noon' for half a day (single-day absences only). Rows
-- change status (requested, approved, rejected, cancelled); every change
-- is audited.

CREATE TABLE absence_types (
    id             TEXT PRIMARY KEY,
    name_de        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    needs_approval INTEGER NOT NULL,
    credits_target INTEGER NOT NULL,
    health_data    INTEGER NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    sort           INTEGER NOT NULL
);

INSERT INTO absence_types (id, name_de, name_en, needs_approval, credits_target, health_data, sort) VALUES
    ('vacation', 'Erholungsurlaub', 'Annual leave', 1, 1, 0, 10),
    ('flexi_day', 'Gleittag', 'Flexitime day off', 1, 0, 0, 20),
    ('sick', 'Krankheit ohne Bescheinigung', 'Sick (no certificate)', 0, 1, 1, 30),
    ('sick_certified', 'Krankheit mit Bescheinigung', 'Sick (with certificate)', 0, 1, 1, 40),
    ('child_sick', 'Kind krank', 'Child sick', 0, 1, 1, 50),
    ('business_trip', 'Dienstreise', 'Business trip', 1, 1, 0, 60),
    ('training', 'Fortbildung', 'Training', 1, 1, 0, 70),
    ('special_leave', 'Sonderurlaub', 'Special leave', 1, 1, 0, 80),
    ('overtime_comp', 'Überstundenausgleich', 'Time off in lieu', 1, 0, 0, 90);

CREATE TABLE absences (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    type_id       TEXT NOT NULL REFERENCES absence_types(id),
    start_date    TEXT NOT NULL CHECK (length(start_date) = 10),
    end_date      TEXT NOT NULL CHECK (length(end_date) = 10 AND end_date >= start_date),
    day_length    TEXT NOT NULL DEFAULT 'full' CHECK (day_length IN ('full', 'morning', 'noon')),
    status        TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'cancelled')),
    note          TEXT NOT NULL DEFAULT '',
    substitute_id INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    decided_at    TEXT,
    decided_by    INTEGER REFERENCES users(id),
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX absences_user ON absences(user_id, start_date);
CREATE INDEX absences_status ON absences(status, start_date);
