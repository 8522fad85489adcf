-- Projects and tasks (issue 5).
-- projects: a tree (parent_id); members and rights are inherited by
--   sub-projects. confidential: invisible (404) to everyone who is not a
--   member of it or of an ancestor. template: a project whose structure is
--   copied into new projects; templates are not listed with projects.
--   status: planned, active, on_hold, completed, cancelled. version counts
--   updates (optimistic concurrency).
-- project_members: role manager (edits the project and its members),
--   member (works on tasks), viewer (reads). The effective role in a
--   sub-project is the highest of the roles along its path to the root.
-- project_statuses: the board columns of a project, in position order;
--   category open / in_progress / done says what the column means for
--   "open" tasks and workload; wip_limit (NULL: none) is a warning limit.
-- milestones: dated goals of a project; done_at when reached.
-- project_labels: labels per project.
-- tasks: belong to a project and sit in one of its status columns; rank
--   orders the cards of a column (see internal/project/rank: non-empty
--   base-36 keys [0-9a-z] without trailing '0', compared byte-wise, unique
--   per column), so a move writes only the moved row. estimate_minutes and
--   remaining_minutes (NULL: no estimate) feed the workload; version counts
--   updates, a stale move or edit is refused.
-- task_*: assignees, labels, checklist items, comments (Markdown), files
--   (attachments; content in the blob store by SHA-256), dependencies
--   (task_id is blocked by blocked_by_id), watchers.

CREATE TABLE projects (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id    INTEGER REFERENCES projects(id),
    name         TEXT NOT NULL,
    goal         TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    start_date   TEXT,
    end_date     TEXT,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('planned', 'active', 'on_hold', 'completed', 'cancelled')),
    owner_id     INTEGER REFERENCES users(id),
    confidential INTEGER NOT NULL DEFAULT 0,
    template     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    created_by   INTEGER REFERENCES users(id),
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX projects_parent ON projects(parent_id);

CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL CHECK (role IN ('manager', 'member', 'viewer')),
    added_at   TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id);

CREATE TABLE project_statuses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    category   TEXT NOT NULL CHECK (category IN ('open', 'in_progress', 'done')),
    wip_limit  INTEGER CHECK (wip_limit IS NULL OR wip_limit > 0),
    position   INTEGER NOT NULL
);
CREATE INDEX project_statuses_project ON project_statuses(project_id, position);

CREATE TABLE milestones (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    title      TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    done_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX milestones_project ON milestones(project_id, due_date);

CREATE TABLE project_labels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name       TEXT NOT NULL,
    color      TEXT NOT NULL DEFAULT '',
    UNIQUE (project_id, name)
);

CREATE TABLE tasks (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id        INTEGER NOT NULL REFERENCES projects(id),
    status_id         INTEGER NOT NULL REFERENCES project_statuses(id),
    rank              TEXT NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    start_date        TEXT,
    due_date          TEXT,
    estimate_minutes  INTEGER CHECK (estimate_minutes IS NULL OR estimate_minutes >= 0),
    remaining_minutes INTEGER CHECK (remaining_minutes IS NULL OR remaining_minutes >= 0),
    milestone_id      INTEGER REFERENCES milestones(id),
    created_at        TEXT NOT NULL,
    created_by        INTEGER REFERENCES users(id),
    updated_at        TEXT NOT NULL,
    done_at           TEXT,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX tasks_column_rank ON tasks(status_id, rank);
CREATE INDEX tasks_project ON tasks(project_id, id);
CREATE INDEX tasks_due ON tasks(due_date);
CREATE INDEX tasks_milestone ON tasks(milestone_id);

CREATE TABLE task_assignees (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_assignees_user ON task_assignees(user_id);

CREATE TABLE task_labels (
    task_id  INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES project_labels(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);

CREATE TABLE task_checklist (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    text     TEXT NOT NULL,
    done     INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL
);
CREATE INDEX task_checklist_task ON task_checklist(task_id, position);

CREATE TABLE task_comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users(id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at  TEXT
);
CREATE INDEX task_comments_task ON task_comments(task_id, id);

CREATE TABLE task_files (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
    name       TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id)
);
CREATE INDEX task_files_task ON task_files(task_id);
CREATE INDEX task_files_sha256 ON task_files(sha256);

CREATE TABLE task_dependencies (
    task_id       INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    blocked_by_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, blocked_by_id),
    CHECK (task_id <> blocked_by_id)
);
CREATE INDEX task_dependencies_blocker ON task_dependencies(blocked_by_id);

CREATE TABLE task_watchers (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_watchers_user ON task_watchers(user_id);
