-- Full-text search over documents (issue 6, docs/search.md).
--
-- document_search: an FTS5 table keyed by document id (rowid =
--   documents.id) holding the text of one document in three columns
--   ranked with different weights: head (title, file reference, tags),
--   meta (type name, author, custom field values) and body (the text of
--   the current version, at most 1 MiB). A plain FTS5 table (it stores
--   its text) rather than an external-content one: the text of a version
--   exists nowhere else as text, and snippets need it. Tokens are folded
--   to lower case without diacritics ('Anträge' is 'antrage'); German
--   stemming is done at query time (prefix of the stem, search_sqlite.go).
-- document_search_state: which documents the index is behind on. gen
--   counts changes of what is indexed (the triggers below bump it);
--   indexed_gen is the gen the current index entry was built from, so
--   gen <> indexed_gen marks a stale entry (partial index
--   document_search_pending). indexed_version is the version number whose
--   text is indexed; content tells what became of it: 'none' (no
--   version), 'text' (text indexed), 'unsupported' (no text extraction
--   for the type: metadata only), 'failed' (extraction failed: encrypted,
--   malformed or missing content; metadata only).
--
-- Triggers keep the bookkeeping right whoever writes: a new document gets
-- a state row; a change of its title, type, author, custom fields,
-- current version or file, of its tags, of its file's reference or of its
-- type's name bumps gen; deleting a document deletes its index entry in
-- the same transaction (the state row goes by ON DELETE CASCADE), so the
-- text of a deleted record does not outlive it in the index.

CREATE VIRTUAL TABLE document_search USING fts5(
    head, meta, body,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE document_search_state (
    document_id     INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    gen             INTEGER NOT NULL DEFAULT 1,
    indexed_gen     INTEGER NOT NULL DEFAULT 0,
    indexed_version INTEGER NOT NULL DEFAULT 0,
    content         TEXT NOT NULL DEFAULT 'none' CHECK (content IN ('none', 'text', 'unsupported', 'failed')),
    text_bytes      INTEGER NOT NULL DEFAULT 0,
    indexed_at      TEXT
);
CREATE INDEX document_search_pending ON document_search_state(document_id) WHERE gen <> indexed_gen;

INSERT INTO document_search_state (document_id) SELECT id FROM documents;

CREATE TRIGGER document_search_insert AFTER INSERT ON documents
BEGIN
    INSERT INTO document_search_state (document_id) VALUES (new.id);
END;

CREATE TRIGGER document_search_update AFTER UPDATE OF title, type_id, author, fields, current_version, folder_id ON documents
WHEN old.title IS NOT new.title OR old.type_id IS NOT new.type_id OR old.author IS NOT new.author
    OR old.fields IS NOT new.fields OR old.current_version IS NOT new.current_version OR old.folder_id IS NOT new.folder_id
BEGIN
    UPDATE document_search_state SET gen = gen + 1 WHERE document_id = new.id;
END;

CREATE TRIGGER document_search_delete AFTER DELETE ON documents
BEGIN
    DELETE FROM document_search WHERE rowid = old.id;
END;

CREATE TRIGGER document_search_tag_insert AFTER INSERT ON document_tags
BEGIN
    UPDATE document_search_state SET gen = gen + 1 WHERE document_id = new.document_id;
END;

CREATE TRIGGER document_search_tag_delete AFTER DELETE ON document_tags
BEGIN
    UPDATE document_search_state SET gen = gen + 1 WHERE document_id = old.document_id;
END;

CREATE TRIGGER document_search_folder AFTER UPDATE OF reference ON doc_folders
WHEN old.reference IS NOT new.reference
BEGIN
    UPDATE document_search_state SET gen = gen + 1 WHERE document_id IN (SELECT id FROM documents WHERE folder_id = new.id);
END;

CREATE TRIGGER document_search_type AFTER UPDATE OF name ON doc_types
WHEN old.name IS NOT new.name
BEGIN
    UPDATE document_search_state SET gen = gen + 1 WHERE document_id IN (SELECT id FROM documents WHERE type_id = new.id);
END;
