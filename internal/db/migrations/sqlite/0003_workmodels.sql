-- Work models (Arbeitszeitmodelle): named, immutable weekly distributions of
-- target minutes, and the history of which model applies to whom from which
-- day. A change of hours is a new model and a new assignment, so targets of
-- past days never change retroactively. Dates are 'YYYY-MM-DD' text in both
-- dialects (calendar days, no time zone).

CREATE TABLE work_models (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    mon_minutes INTEGER NOT NULL CHECK (mon_minutes BETWEEN 0 AND 720),
    tue_minutes INTEGER NOT NULL CHECK (tue_minutes BETWEEN 0 AND 720),
    wed_minutes INTEGER NOT NULL CHECK (wed_minutes BETWEEN 0 AND 720),
    thu_minutes INTEGER NOT NULL CHECK (thu_minutes BETWEEN 0 AND 720),
    fri_minutes INTEGER NOT NULL CHECK (fri_minutes BETWEEN 0 AND 720),
    sat_minutes INTEGER NOT NULL CHECK (sat_minutes BETWEEN 0 AND 720),
    sun_minutes INTEGER NOT NULL CHECK (sun_minutes BETWEEN 0 AND 720),
    created_at  TEXT NOT NULL,
    created_by  INTEGER REFERENCES users(id)
);

CREATE TABLE user_work_models (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    work_model_id INTEGER NOT NULL REFERENCES work_models(id),
    valid_from    TEXT NOT NULL CHECK (length(valid_from) = 10),
    created_at    TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    UNIQUE (user_id, valid_from)
);

CREATE TRIGGER work_models_no_update BEFORE UPDATE ON work_models
BEGIN SELECT RAISE(ABORT, 'work_models are immutable'); END;
CREATE TRIGGER work_models_no_delete BEFORE DELETE ON work_models
BEGIN SELECT RAISE(ABORT, 'work_models are immutable'); END;
CREATE TRIGGER user_work_models_no_update BEFORE UPDATE ON user_work_models
BEGIN SELECT RAISE(ABORT, 'user_work_models is append-only'); END;
CREATE TRIGGER user_work_models_no_delete BEFORE DELETE ON user_work_models
BEGIN SELECT RAISE(ABORT, 'user_work_models is append-only'); END;
