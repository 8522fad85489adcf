-- Documents (E-Akte, issue 6): file plan, records, immutable versions,
-- retention, legal hold and two-person deletion.
--
-- retention_classes: how long records are kept: years counted from the end
--   of the calendar year of the trigger event: 'file_closed' (the file was
--   closed, zdA) or 'document_date' (the document's date). A record may be
--   deleted from 1 January of (trigger year + years + 1). Classes can be
--   lengthened, never shortened, once records use them.
-- doc_folders: the file plan (Aktenplan) as a tree: groups and files
--   (kind 'plan' for a plan position, 'file' for a file/Akte holding
--   documents). reference is the file reference number (Aktenzeichen),
--   unique. owner_unit_id: the org unit in charge. retention_class_id NULL
--   inherits the parent's. inherit_access FALSE: only the folder's own
--   grants apply (override). state 'open' or 'closed' (zdA, zu den Akten).
-- doc_folder_grants: who may do what in a folder and below: principal_kind
--   'role' (principal = role id), 'org_unit' (principal = org unit id;
--   members of sub-units included) or 'user' (principal = user id); access
--   'read' < 'write' < 'manage'.
-- doc_types: document types (Schriftstücktypen) with custom fields, a JSON
--   array [{"key","label","kind":"text|date|number","required":bool}].
-- documents: records in a file. state 'draft' (in Bearbeitung), 'final'
--   (schlussgezeichnet: a new version needs a change reason), 'closed'
--   (zdA with its file: read-only). current_version is the number of the
--   newest version (0: none yet). Check-out: locked_by/locked_at/
--   lock_expires_at (a stale lock expires). version counts metadata
--   updates (optimistic concurrency).
-- document_versions: immutable (a trigger refuses UPDATE); each upload is a
--   new row; content in the blob store by SHA-256. based_on: the version the
--   writer had; conflict TRUE when it was not the current one at save time
--   (a conflicting save becomes a version with a warning).
-- doc_legal_holds: Löschsperre on a folder (and everything below) or a
--   document; active while released_at IS NULL.
-- doc_deletions: deletion proposals and records. A proposal names one
--   expired, not held record (a closed file with its documents, or a
--   document); a second authorised person approves or rejects it; approval
--   deletes content and rows and keeps this row as the deletion record
--   (ids without foreign keys: the objects are gone).

CREATE TABLE retention_classes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    years       INTEGER NOT NULL CHECK (years >= 0 AND years <= 200),
    trigger     TEXT NOT NULL CHECK (trigger IN ('file_closed', 'document_date')),
    legal_basis TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE doc_folders (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id          INTEGER REFERENCES doc_folders(id),
    kind               TEXT NOT NULL CHECK (kind IN ('plan', 'file')),
    reference          TEXT NOT NULL UNIQUE,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    owner_unit_id      INTEGER REFERENCES org_units(id),
    retention_class_id INTEGER REFERENCES retention_classes(id),
    inherit_access     INTEGER NOT NULL DEFAULT 1,
    state              TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    closed_at          TEXT,
    closed_by          INTEGER REFERENCES users(id),
    created_at         TEXT NOT NULL,
    created_by         INTEGER REFERENCES users(id),
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    CHECK (parent_id IS NULL OR parent_id <> id),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX doc_folders_parent ON doc_folders(parent_id);

CREATE TABLE doc_folder_grants (
    folder_id      INTEGER NOT NULL REFERENCES doc_folders(id) ON DELETE CASCADE,
    principal_kind TEXT NOT NULL CHECK (principal_kind IN ('role', 'org_unit', 'user')),
    principal      TEXT NOT NULL,
    access         TEXT NOT NULL CHECK (access IN ('read', 'write', 'manage')),
    PRIMARY KEY (folder_id, principal_kind, principal)
);

CREATE TABLE doc_types (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL UNIQUE,
    fields             TEXT NOT NULL DEFAULT '[]',
    retention_class_id INTEGER REFERENCES retention_classes(id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE documents (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    folder_id          INTEGER NOT NULL REFERENCES doc_folders(id),
    title              TEXT NOT NULL,
    type_id            INTEGER REFERENCES doc_types(id),
    author             TEXT NOT NULL DEFAULT '',
    document_date      TEXT,
    fields             TEXT NOT NULL DEFAULT '{}',
    retention_class_id INTEGER REFERENCES retention_classes(id),
    state              TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'final', 'closed')),
    current_version    INTEGER NOT NULL DEFAULT 0,
    finalized_at       TEXT,
    finalized_by       INTEGER REFERENCES users(id),
    locked_by          INTEGER REFERENCES users(id),
    locked_at          TEXT,
    lock_expires_at    TEXT,
    created_at         TEXT NOT NULL,
    created_by         INTEGER REFERENCES users(id),
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    CHECK ((locked_by IS NULL) = (locked_at IS NULL))
);
CREATE INDEX documents_folder ON documents(folder_id, id);

CREATE TABLE document_tags (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (document_id, tag)
);
CREATE INDEX document_tags_tag ON document_tags(tag);

CREATE TABLE document_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id   INTEGER NOT NULL REFERENCES documents(id),
    number        INTEGER NOT NULL,
    filename      TEXT NOT NULL,
    mime_type     TEXT NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    sha256        TEXT NOT NULL,
    change_reason TEXT NOT NULL DEFAULT '',
    based_on      INTEGER,
    conflict      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    UNIQUE (document_id, number)
);
CREATE INDEX document_versions_sha256 ON document_versions(sha256);

CREATE TRIGGER document_versions_no_update BEFORE UPDATE ON document_versions
BEGIN
    SELECT RAISE(ABORT, 'document_versions are immutable');
END;

CREATE TABLE doc_legal_holds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    folder_id      INTEGER REFERENCES doc_folders(id),
    document_id    INTEGER REFERENCES documents(id),
    reason         TEXT NOT NULL,
    case_reference TEXT NOT NULL DEFAULT '',
    placed_at      TEXT NOT NULL,
    placed_by      INTEGER REFERENCES users(id),
    released_at    TEXT,
    released_by    INTEGER REFERENCES users(id),
    release_reason TEXT NOT NULL DEFAULT '',
    CHECK ((folder_id IS NULL) <> (document_id IS NULL))
);
CREATE INDEX doc_legal_holds_folder ON doc_legal_holds(folder_id);
CREATE INDEX doc_legal_holds_document ON doc_legal_holds(document_id);

CREATE TABLE doc_deletions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('folder', 'document')),
    object_id       INTEGER NOT NULL,
    reference       TEXT NOT NULL,
    title           TEXT NOT NULL,
    retention_code  TEXT NOT NULL,
    retention_years INTEGER NOT NULL,
    trigger_date    TEXT NOT NULL,
    deletable_from  TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'rejected', 'cancelled', 'deleted')),
    reason          TEXT NOT NULL DEFAULT '',
    proposed_at     TEXT NOT NULL,
    proposed_by     INTEGER NOT NULL REFERENCES users(id),
    decided_at      TEXT,
    decided_by      INTEGER REFERENCES users(id),
    decision_note   TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '{}',
    CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX doc_deletions_object ON doc_deletions(kind, object_id);

INSERT INTO roles (id, mfa_required) VALUES ('records', 1);
