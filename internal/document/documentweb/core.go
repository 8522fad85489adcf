package documentweb

// registerCore adds the routes of folders, documents and versions.
func (h *Handler) registerCore() {}
