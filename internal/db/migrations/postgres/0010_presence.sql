-- Presence plan (Anwesenheitsplanung): each person marks the days they plan
-- to work in the office or at home, so hybrid teams can meet on the same
-- office days. One row per person and day; no row means no plan. It is a
-- plan, not a record of working time (docs/team-calendar.md).

CREATE TABLE presence_plans (
    user_id    BIGINT NOT NULL REFERENCES users(id),
    day        TEXT NOT NULL,
    place      TEXT NOT NULL CHECK (place IN ('office', 'home')),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, day)
);
CREATE INDEX presence_plans_day ON presence_plans(day);

-- Minimum staffing per org unit: the team calendar warns on working days
-- when fewer people than min_present would be at work. No row: no minimum.
CREATE TABLE org_unit_staffing (
    org_unit_id BIGINT PRIMARY KEY REFERENCES org_units(id) ON DELETE CASCADE,
    min_present INTEGER NOT NULL CHECK (min_present >= 1),
    updated_at  TIMESTAMPTZ NOT NULL
);
