package absenceweb

// registerExport adds the routes of this part of the module.
func (h *Handler) registerExport() {}
