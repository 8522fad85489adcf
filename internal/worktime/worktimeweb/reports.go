package worktimeweb

// registerReports adds the routes of this part of the module.
func (h *Handler) registerReports() {}
