package documentweb

// registerRetention adds the routes of retention classes, legal holds,
// deletion and export.
func (h *Handler) registerRetention() {}
