package documentweb

import (
	"context"
	"io"
	"net/http"
	"path"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/web"
)

// Task attachments become documents ("zu den Akten nehmen"): an
// attachment the caller may read (project rights) is filed into a file the
// caller may write to (folder rights) as a new document whose first
// version is the attachment's content. The content goes through the same
// upload checks as any upload; the blob store keeps it once (equal
// contents share one blob), so nothing is copied on disk.

// TaskFile is what filing needs of a task attachment.
type TaskFile struct {
	Name     string
	MIMEType string
}

// TaskFiles opens task attachments with the caller's project rights
// (404 for attachments the caller may not read).
type TaskFiles interface {
	OpenTaskFile(ctx context.Context, a actor.Actor, id int64) (TaskFile, io.ReadCloser, error)
}

// WithTaskFiles lets the handler file task attachments (operation
// fileTaskAttachment); without it the operation answers 404.
func (h *Handler) WithTaskFiles(t TaskFiles) { h.taskFiles = t }

var errTaskFileID = apperr.Invalidf("invalid_task_file", "task_file_id must name a task attachment").WithField("task_file_id", "invalid_task_file")

// dwFileTaskJSON is the body of fileTaskAttachment: the attachment and
// the new document's metadata (title defaults to the file name without
// extension).
type dwFileTaskJSON struct {
	TaskFileID int64 `json:"task_file_id"`
	dwCreateJSON
}

func (h *Handler) apiFileTaskAttachment(w http.ResponseWriter, r *http.Request) {
	if h.taskFiles == nil {
		h.srv.Error(w, r, dwErrNotFound)
		return
	}
	web.APIWithBody(h.srv, w, r, http.StatusCreated, h.fileTaskAttachment)
}

func (h *Handler) fileTaskAttachment(ctx context.Context, a actor.Actor, id int64, req dwFileTaskJSON) (dwDocumentJSON, error) {
	if req.TaskFileID <= 0 {
		return dwDocumentJSON{}, errTaskFileID
	}
	tf, content, err := h.taskFiles.OpenTaskFile(ctx, a, req.TaskFileID)
	if err != nil {
		return dwDocumentJSON{}, err
	}
	defer content.Close()
	n := req.input()
	if strings.TrimSpace(n.Title) == "" {
		n.Title = strings.TrimSuffix(tf.Name, path.Ext(tf.Name))
	}
	first, err := dwUpload(tf.Name, tf.MIMEType, content, "", "", "")
	if err != nil {
		return dwDocumentJSON{}, err
	}
	d, err := h.svc.CreateDocument(ctx, a, id, n, &first)
	if err != nil {
		return dwDocumentJSON{}, err
	}
	return dwNewDocumentJSON(a, d, true), nil
}

// FileTaskAttachment files task attachment taskFileID into file folderID
// as a new document titled after the attachment's name, like
// fileTaskAttachment without metadata: the task page's "Zu den Akten
// nehmen". It returns the new document's id.
func (h *Handler) FileTaskAttachment(ctx context.Context, a actor.Actor, folderID, taskFileID int64) (int64, error) {
	if h.taskFiles == nil {
		return 0, dwErrNotFound
	}
	d, err := h.fileTaskAttachment(ctx, a, folderID, dwFileTaskJSON{TaskFileID: taskFileID})
	return d.ID, err
}

// registerTaskFiling adds fileTaskAttachment.
func (h *Handler) registerTaskFiling() {
	h.srv.API("POST", "/document-folders/{id}/documents/from-task-file", "fileTaskAttachment", web.Full, h.apiFileTaskAttachment)
}
