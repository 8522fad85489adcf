-- Absence workflow: the substitute (Vertretung) confirms first, the lead's
-- deputy decides while the lead is away, change requests for approved
-- leave.
--   absences.substitute_confirmed_at: when the named substitute confirmed
--     the request; a request with a substitute and without this time
--     waits for the substitute before the lead can decide.
--   absences.replaces_id: a change request (status requested) for the
--     approved absence it replaces; approving it cancels the original in
--     the same transaction.
--   absences.cancel_requested_at: the person asked to cancel this approved
--     absence that has already started; the lead approves (the absence
--     becomes cancelled) or rejects (the time is cleared).
-- lead_deputies: the one person a lead names as deputy; while the lead
-- has an approved absence covering today, the deputy decides the requests
-- of the lead's reports.

ALTER TABLE absences ADD COLUMN substitute_confirmed_at TEXT;
ALTER TABLE absences ADD COLUMN cancel_requested_at TEXT;
ALTER TABLE absences ADD COLUMN replaces_id INTEGER REFERENCES absences(id);
CREATE INDEX absences_substitute ON absences(substitute_id, status);
CREATE INDEX absences_replaces ON absences(replaces_id);

CREATE TABLE lead_deputies (
    lead_id   INTEGER PRIMARY KEY REFERENCES users(id),
    deputy_id INTEGER NOT NULL REFERENCES users(id),
    set_at    TEXT NOT NULL,
    set_by    INTEGER REFERENCES users(id),
    CHECK (deputy_id <> lead_id)
);
CREATE INDEX lead_deputies_deputy ON lead_deputies(deputy_id);
