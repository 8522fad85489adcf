-- projects.tasks_version counts every change that can alter a project's
-- task list: tasks, their assignees and labels, the project's columns and
-- labels, and the display names of assigned people. A task list read at
-- version v can be served again from memory while the counter still reads
-- v (internal/project/task_list_cache.go). Triggers keep it, so no write
-- path can forget it.

ALTER TABLE projects ADD COLUMN tasks_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER tasks_version_task_insert AFTER INSERT ON tasks BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = NEW.project_id;
END;
CREATE TRIGGER tasks_version_task_update AFTER UPDATE ON tasks BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id IN (OLD.project_id, NEW.project_id);
END;
CREATE TRIGGER tasks_version_task_delete AFTER DELETE ON tasks BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = OLD.project_id;
END;

CREATE TRIGGER tasks_version_assignee_insert AFTER INSERT ON task_assignees BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = (SELECT project_id FROM tasks WHERE id = NEW.task_id);
END;
CREATE TRIGGER tasks_version_assignee_delete AFTER DELETE ON task_assignees BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = (SELECT project_id FROM tasks WHERE id = OLD.task_id);
END;
CREATE TRIGGER tasks_version_label_insert AFTER INSERT ON task_labels BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = (SELECT project_id FROM tasks WHERE id = NEW.task_id);
END;
CREATE TRIGGER tasks_version_label_delete AFTER DELETE ON task_labels BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = (SELECT project_id FROM tasks WHERE id = OLD.task_id);
END;

CREATE TRIGGER tasks_version_status_insert AFTER INSERT ON project_statuses BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = NEW.project_id;
END;
CREATE TRIGGER tasks_version_status_update AFTER UPDATE ON project_statuses BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id IN (OLD.project_id, NEW.project_id);
END;
CREATE TRIGGER tasks_version_status_delete AFTER DELETE ON project_statuses BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = OLD.project_id;
END;
CREATE TRIGGER tasks_version_plabel_update AFTER UPDATE ON project_labels BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id IN (OLD.project_id, NEW.project_id);
END;
CREATE TRIGGER tasks_version_plabel_delete AFTER DELETE ON project_labels BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1 WHERE id = OLD.project_id;
END;

CREATE TRIGGER tasks_version_user_name AFTER UPDATE OF display_name ON users
    WHEN OLD.display_name IS NOT NEW.display_name BEGIN
    UPDATE projects SET tasks_version = tasks_version + 1
        WHERE id IN (SELECT t.project_id FROM task_assignees ta JOIN tasks t ON t.id = ta.task_id WHERE ta.user_id = NEW.id);
END;
