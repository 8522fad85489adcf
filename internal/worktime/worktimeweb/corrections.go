package worktimeweb

// registerCorrections adds the routes of this part of the module.
func (h *Handler) registerCorrections() {}
