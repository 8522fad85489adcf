-- Full-text search over documents (issue 6, docs/search.md).
--
-- document_search: the text of one document in three parts and its
--   tsvector in the 'german' configuration (Snowball stemming: 'Anträge'
--   finds 'Antrag'), weighted A for head (title, file reference, tags), B
--   for meta (type name, author, custom field values) and C for body (the
--   text of the current version, at most 1 MiB), with a GIN index. The
--   text is kept for ts_headline snippets. Rows go with their document
--   (ON DELETE CASCADE), in the same transaction.
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
-- type's name bumps gen.

CREATE TABLE document_search (
    document_id BIGINT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    head        TEXT NOT NULL DEFAULT '',
    meta        TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    tsv         tsvector NOT NULL GENERATED ALWAYS AS (
        setweight(to_tsvector('german'::regconfig, head), 'A') ||
        setweight(to_tsvector('german'::regconfig, meta), 'B') ||
        setweight(to_tsvector('german'::regconfig, body), 'C')) STORED
);
CREATE INDEX document_search_tsv ON document_search USING GIN (tsv);

CREATE TABLE document_search_state (
    document_id     BIGINT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    gen             BIGINT NOT NULL DEFAULT 1,
    indexed_gen     BIGINT NOT NULL DEFAULT 0,
    indexed_version INTEGER NOT NULL DEFAULT 0,
    content         TEXT NOT NULL DEFAULT 'none' CHECK (content IN ('none', 'text', 'unsupported', 'failed')),
    text_bytes      INTEGER NOT NULL DEFAULT 0,
    indexed_at      TIMESTAMPTZ
);
CREATE INDEX document_search_pending ON document_search_state(document_id) WHERE gen <> indexed_gen;

INSERT INTO document_search_state (document_id) SELECT id FROM documents;

CREATE FUNCTION document_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO document_search_state (document_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER document_search_insert AFTER INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION document_search_insert();

-- document_search_touch bumps gen of the document NEW.id (documents) or
-- NEW/OLD.document_id (document_tags).
CREATE FUNCTION document_search_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'documents' THEN
        UPDATE document_search_state SET gen = gen + 1 WHERE document_id = NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE document_search_state SET gen = gen + 1 WHERE document_id = OLD.document_id;
    ELSE
        UPDATE document_search_state SET gen = gen + 1 WHERE document_id = NEW.document_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER document_search_update AFTER UPDATE OF title, type_id, author, fields, current_version, folder_id ON documents
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.type_id IS DISTINCT FROM NEW.type_id
        OR OLD.author IS DISTINCT FROM NEW.author OR OLD.fields IS DISTINCT FROM NEW.fields
        OR OLD.current_version IS DISTINCT FROM NEW.current_version OR OLD.folder_id IS DISTINCT FROM NEW.folder_id)
    EXECUTE FUNCTION document_search_touch();
CREATE TRIGGER document_search_tags AFTER INSERT OR DELETE ON document_tags
    FOR EACH ROW EXECUTE FUNCTION document_search_touch();

CREATE FUNCTION document_search_folder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE document_search_state SET gen = gen + 1 WHERE document_id IN (SELECT id FROM documents WHERE folder_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER document_search_folder AFTER UPDATE OF reference ON doc_folders
    FOR EACH ROW WHEN (OLD.reference IS DISTINCT FROM NEW.reference)
    EXECUTE FUNCTION document_search_folder();

CREATE FUNCTION document_search_type() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE document_search_state SET gen = gen + 1 WHERE document_id IN (SELECT id FROM documents WHERE type_id = NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER document_search_type AFTER UPDATE OF name ON doc_types
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION document_search_type();
