package projectweb

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/web"
)

// Attachments into files ("zu den Akten nehmen"): the task page offers,
// next to each attachment, the files (Akten) the reader may add documents
// to; filing creates a document there whose first version is the
// attachment's content (stored once). The records module does the work
// through a Filer (wired in internal/app).

// RecordFile is a file (Akte) offered for filing.
type RecordFile struct {
	ID        int64
	Reference string
	Title     string
}

// Filer files task attachments into the records store.
type Filer interface {
	// WritableFiles lists the open files a may add documents to.
	WritableFiles(ctx context.Context, a actor.Actor) ([]RecordFile, error)
	// FileAttachment files attachment fileID into file folderID and
	// returns the new document's id.
	FileAttachment(ctx context.Context, a actor.Actor, folderID, fileID int64) (int64, error)
}

// WithFiler offers "zu den Akten nehmen" on task pages.
func (h *Handler) WithFiler(f Filer) {
	h.filer = f
	h.srv.UI("POST /task-files/{id}/to-record", web.Full, h.uiFileToRecord)
}

var errRecordFolder = apperr.Invalidf("record_folder_required", "choose a file").WithField("folder_id", "record_folder_required")

func (h *Handler) uiFileToRecord(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	folder, err := strconv.ParseInt(r.PostFormValue("folder_id"), 10, 64)
	if err != nil || folder <= 0 {
		err = errRecordFolder
	} else {
		var doc int64
		if doc, err = h.filer.FileAttachment(r.Context(), web.Actor(r), folder, id); err == nil {
			h.srv.Redirect(w, r, "/documents/"+strconv.FormatInt(doc, 10), "task_extra_filed")
			return
		}
	}
	// A refused filing shows the task page again with the message at
	// this attachment's file picker (f-rec-<id>); not found and forbidden
	// stay error pages.
	if st := web.StatusOf(err); st == http.StatusUnprocessableEntity || st == http.StatusConflict {
		if f, rc, ferr := h.svc.OpenTaskFile(r.Context(), web.Actor(r), id); ferr == nil {
			rc.Close()
			h.renderTask(w, r, f.TaskID, st, atRecordPicker(err, id), "")
			return
		}
	}
	h.srv.Error(w, r, err)
}

// atRecordPicker puts a refusal of filing attachment fileID on the file
// picker of that attachment, whatever field the service named.
func atRecordPicker(err error, fileID int64) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	code := e.Code
	if len(e.Fields) == 1 {
		for _, c := range e.Fields {
			code = c
		}
	}
	c := *e
	c.Fields = map[string]string{fmt.Sprintf("rec-%d", fileID): code}
	return &c
}

// recordFiles returns the files offered for filing on the task page (none
// without a filer or for readers who may not upload).
func (h *Handler) recordFiles(r *http.Request) []RecordFile {
	if h.filer == nil {
		return nil
	}
	fs, err := h.filer.WritableFiles(r.Context(), web.Actor(r))
	if err != nil {
		// The page works without the offer; the reason goes to the log.
		h.srv.Log().WarnContext(r.Context(), "task page: writable files", "err", err)
		return nil
	}
	return fs
}
