-- WebDAV access at /dav/ (issue 6, docs/webdav.md).
--
-- documents.filename: the document's name in the WebDAV namespace (its
--   "file name" in a mounted drive), set from the first upload over WebDAV
--   or a WebDAV rename; unique among the file's documents that are not
--   withdrawn (NULL: named after its current version, see dav_ops.go).
-- documents.withdrawn_at/withdrawn_by: a draft deleted over WebDAV is
--   withdrawn, not deleted: it disappears from WebDAV, lists, search and
--   folder pages but stays stored with all its versions until its
--   retention period ends (audit document.withdraw).
-- doc_folders.withdrawn_at/withdrawn_by: a file deleted over WebDAV once
--   nothing visible is left in it.
-- dav_locks: WebDAV locks (LOCK/UNLOCK), shared by every instance. root is
--   the locked path as the client named it below /dav/ (e.g.
--   "/010 Haushalt/Antrag.odt"); zero_depth: Depth 0 (else infinity);
--   shared: a shared lock (else exclusive); owner_xml: the client's
--   <owner> element; expires_at NULL: no timeout. document_id: the
--   document checked out with the lock (released by UNLOCK). Expired rows
--   are ignored and purged.
-- dav_properties: dead properties set by PROPPATCH (e.g. Windows file
--   attributes), per resource ("d:<document id>" or "f:<folder id>").

ALTER TABLE documents ADD COLUMN filename TEXT;
ALTER TABLE documents ADD COLUMN withdrawn_at TEXT;
ALTER TABLE documents ADD COLUMN withdrawn_by INTEGER REFERENCES users(id);
CREATE UNIQUE INDEX documents_dav_filename ON documents(folder_id, filename)
    WHERE filename IS NOT NULL AND withdrawn_at IS NULL;
CREATE INDEX documents_dav_unnamed ON documents(folder_id)
    WHERE filename IS NULL AND withdrawn_at IS NULL;

ALTER TABLE doc_folders ADD COLUMN withdrawn_at TEXT;
ALTER TABLE doc_folders ADD COLUMN withdrawn_by INTEGER REFERENCES users(id);

CREATE TABLE dav_locks (
    token       TEXT PRIMARY KEY,
    root        TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    owner_xml   TEXT NOT NULL DEFAULT '',
    zero_depth  INTEGER NOT NULL,
    shared      INTEGER NOT NULL DEFAULT 0,
    timeout_s   INTEGER NOT NULL,
    expires_at  TEXT,
    document_id INTEGER REFERENCES documents(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX dav_locks_root ON dav_locks(root);

CREATE TABLE dav_properties (
    resource TEXT NOT NULL,
    ns       TEXT NOT NULL,
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (resource, ns, name)
);
