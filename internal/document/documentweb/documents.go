package documentweb

// registerDocuments adds the routes of documents, versions and check-out.
func (h *Handler) registerDocuments() {}
