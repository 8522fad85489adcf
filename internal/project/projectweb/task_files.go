package projectweb

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"ortlos/internal/apperr"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// Attachments of tasks: upload (multipart, streamed into the blob store),
// list, download and delete; the task page shows them with an upload form.

// registerTaskFiles adds the attachment routes.
func (h *Handler) registerTaskFiles() {
	s := h.srv
	s.API("GET", "/tasks/{id}/files", "listTaskFiles", web.Full, h.apiListTaskFiles)
	s.API("POST", "/tasks/{id}/files", "uploadTaskFile", web.Full, h.apiUploadTaskFile)
	s.API("GET", "/task-files/{id}", "downloadTaskFile", web.Full, h.downloadTaskFile)
	s.API("DELETE", "/task-files/{id}", "deleteTaskFile", web.Full, h.apiDeleteTaskFile)
	s.UI("POST /tasks/{id}/files", web.Full, h.uiUploadTaskFile)
	// Uploads stream into the blob store with their own limit; the
	// multipart envelope gets 64 KiB on top.
	for _, p := range []string{"POST /tasks/{id}/files", "POST /api/v1/tasks/{id}/files"} {
		s.LargeBody(p, h.svc.TaskFileMaxBytes()+64<<10)
	}
	s.UI("GET /task-files/{id}", web.Full, h.downloadTaskFile)
	s.UI("POST /task-files/{id}/delete", web.Full, h.uiDeleteTaskFile)
}

var errTaskFileMissing = apperr.Invalidf("task_file_missing", "choose a file").WithField("file", "task_file_missing")

// uploadPart finds the form field "file" of a multipart request and calls
// fn with its name, declared type and content, streaming (the body is
// never parsed into memory or temporary files).
func uploadPart(r *http.Request, fn func(name, declared string, content io.Reader) error) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return errTaskFileMissing
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errTaskFileMissing
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return apperr.New(apperr.Invalid, "body_too_large", "request body too large")
			}
			return errTaskFileMissing
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		defer part.Close()
		return fn(part.FileName(), part.Header.Get("Content-Type"), part)
	}
}

// taskFileJSON is an attachment as the API shows it.
type taskFileJSON struct {
	ID          int64  `json:"id"`
	TaskID      int64  `json:"task_id"`
	Name        string `json:"name"`
	MIMEType    string `json:"mime_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	CreatedAt   string `json:"created_at"`
	CreatedBy   *int64 `json:"created_by"`
	CreatorName string `json:"created_by_name"`
	CanDelete   bool   `json:"can_delete"`
	URL         string `json:"url"`
}

func newTaskFileJSON(f project.TaskFile) taskFileJSON {
	j := taskFileJSON{ID: f.ID, TaskID: f.TaskID, Name: f.Name, MIMEType: f.MIMEType, Size: f.Size, SHA256: f.SHA256,
		CreatedAt: taskTime(f.CreatedAt), CreatorName: f.CreatedByName, CanDelete: f.CanDelete, URL: fmt.Sprintf("/api/v1/task-files/%d", f.ID)}
	if f.CreatedBy != 0 {
		id := f.CreatedBy
		j.CreatedBy = &id
	}
	return j
}

func (h *Handler) apiListTaskFiles(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	fs, err := h.svc.ListTaskFiles(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := struct {
		Items      []taskFileJSON `json:"items"`
		NextCursor *string        `json:"next_cursor"`
		MaxBytes   int64          `json:"max_bytes"`
	}{Items: make([]taskFileJSON, 0, len(fs)), MaxBytes: h.svc.TaskFileMaxBytes()}
	for _, f := range fs {
		out.Items = append(out.Items, newTaskFileJSON(f))
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *Handler) upload(r *http.Request, id int64) (project.TaskFile, error) {
	var f project.TaskFile
	err := uploadPart(r, func(name, declared string, content io.Reader) error {
		var err error
		f, err = h.svc.AddTaskFile(r.Context(), web.Actor(r), id, name, declared, content)
		return err
	})
	return f, err
}

func (h *Handler) apiUploadTaskFile(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f, err := h.upload(r, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f.CanDelete = true
	web.JSON(w, http.StatusCreated, newTaskFileJSON(f))
}

func (h *Handler) uiUploadTaskFile(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if _, err := h.upload(r, id); err != nil {
		if apperr.CodeOf(err) == "body_too_large" {
			// Show it at the form, like the service's own size limit.
			err = apperr.Invalidf("file_too_large", "too large").WithField("file", "file_too_large")
		}
		h.uiTaskFormError(w, r, id, err, "")
		return
	}
	h.srv.Redirect(w, r, "/tasks/"+strconv.FormatInt(id, 10)+"#files", "task_extra_file_added")
}

// downloadTaskFile sends an attachment: as a download (Content-Disposition
// attachment with an RFC 6266 filename*), with its stored type, nosniff
// and a sandboxing Content-Security-Policy, so that no attachment runs in
// ortlos' origin. Range and conditional requests work (http.ServeContent;
// the ETag is the content's SHA-256). Not audited.
func (h *Handler) downloadTaskFile(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f, rc, err := h.svc.OpenTaskFile(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	defer rc.Close()
	web.ServeStoredFile(w, r, f.Name, f.MIMEType, f.SHA256, f.CreatedAt, rc)
}

func (h *Handler) apiDeleteTaskFile(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if _, err := h.svc.DeleteTaskFile(r.Context(), web.Actor(r), id); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) uiDeleteTaskFile(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f, err := h.svc.DeleteTaskFile(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/tasks/"+strconv.FormatInt(f.TaskID, 10)+"#files", "task_extra_file_deleted")
}

// taskFileView is an attachment on the task page.
type taskFileView struct {
	ID        int64
	Name      string
	Type      string
	Size      string
	Uploader  string
	When      string
	CanDelete bool
}

// taskFilesSection is what the task page shows about attachments.
type taskFilesSection struct {
	Files   []taskFileView
	MaxSize string
	// Records are the files (Akten) an attachment can be filed into.
	Records []RecordFile
}

// taskFiles returns the attachments section of task id for the task page.
func (h *Handler) taskFiles(r *http.Request, p web.Page, id int64) (taskFilesSection, error) {
	fs, err := h.svc.ListTaskFiles(r.Context(), web.Actor(r), id)
	if err != nil {
		return taskFilesSection{}, err
	}
	sec := taskFilesSection{MaxSize: fileSize(p, h.svc.TaskFileMaxBytes())}
	if len(fs) > 0 {
		sec.Records = h.recordFiles(r)
	}
	for _, f := range fs {
		typ := f.MIMEType
		if base, _, err := mime.ParseMediaType(typ); err == nil {
			typ = base
		}
		uploader := f.CreatedByName
		if uploader == "" {
			uploader = p.L.T("task.comment_removed_author")
		}
		sec.Files = append(sec.Files, taskFileView{ID: f.ID, Name: f.Name, Type: typ, Size: fileSize(p, f.Size), Uploader: uploader,
			When: p.L.DateTime(f.CreatedAt, p.Loc), CanDelete: f.CanDelete})
	}
	return sec, nil
}

// fileSize formats a byte count for people in binary units, as desktop
// file managers do ("12 KB", "1,5 MB", 25 MiB is "25 MB").
func fileSize(p web.Page, n int64) string {
	var v float64
	var key string
	switch {
	case n < 1024:
		return p.L.T("task_extra.size_bytes", strconv.FormatInt(n, 10))
	case n < 1024*1024:
		v, key = float64(n)/1024, "task_extra.size_kb"
	default:
		v, key = float64(n)/(1024*1024), "task_extra.size_mb"
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if p.L.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return p.L.T(key, s)
}
