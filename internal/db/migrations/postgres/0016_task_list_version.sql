-- projects.tasks_version counts every change that can alter a project's
-- task list: tasks, their assignees and labels, the project's columns and
-- labels, and the display names of assigned people. A task list read at
-- version v can be served again from memory while the counter still reads
-- v (internal/project/task_list_cache.go). Triggers keep it, so no write
-- path can forget it.

ALTER TABLE projects ADD COLUMN tasks_version BIGINT NOT NULL DEFAULT 0;

-- Rows carrying project_id: tasks, project_statuses, project_labels.
CREATE FUNCTION tasks_version_by_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = NEW.project_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = OLD.project_id;
    ELSE
        UPDATE projects SET tasks_version = tasks_version + 1 WHERE id IN (OLD.project_id, NEW.project_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER tasks_version_task AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_version_by_project();
CREATE TRIGGER tasks_version_status AFTER INSERT OR UPDATE OR DELETE ON project_statuses
    FOR EACH ROW EXECUTE FUNCTION tasks_version_by_project();
CREATE TRIGGER tasks_version_plabel AFTER UPDATE OR DELETE ON project_labels
    FOR EACH ROW EXECUTE FUNCTION tasks_version_by_project();

-- Rows carrying task_id: task_assignees, task_labels.
CREATE FUNCTION tasks_version_by_task() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN tid := OLD.task_id; ELSE tid := NEW.task_id; END IF;
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = (SELECT project_id FROM tasks WHERE id = tid);
    RETURN NULL;
END;
$$;
CREATE TRIGGER tasks_version_assignee AFTER INSERT OR DELETE ON task_assignees
    FOR EACH ROW EXECUTE FUNCTION tasks_version_by_task();
CREATE TRIGGER tasks_version_label AFTER INSERT OR DELETE ON task_labels
    FOR EACH ROW EXECUTE FUNCTION tasks_version_by_task();

CREATE FUNCTION tasks_version_user_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1
        WHERE id IN (SELECT t.project_id FROM task_assignees ta JOIN tasks t ON t.id = ta.task_id WHERE ta.user_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER tasks_version_user_name AFTER UPDATE OF display_name ON users
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name) EXECUTE FUNCTION tasks_version_user_name();
