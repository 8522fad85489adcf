package documentweb

// registerFolders adds the routes of the file plan and its folders.
func (h *Handler) registerFolders() {}
