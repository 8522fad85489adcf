-- Core hours (Kernarbeitszeit) per org unit: for each ISO weekday (1 =
-- Monday … 7 = Sunday) at most one window [start_minute, end_minute) in
-- local minutes after midnight. A unit with no rows inherits the core hours
-- of its parent (org_units.parent_id). Core hours only give warnings in the
-- month view; they never block clocking. Changes are audited
-- (worktime.core_hours_set).

CREATE TABLE org_unit_core_hours (
    org_unit_id  BIGINT NOT NULL REFERENCES org_units(id),
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    CHECK (start_minute < end_minute),
    PRIMARY KEY (org_unit_id, weekday)
);
