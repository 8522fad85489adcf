package worktimeweb

// registerSignoff adds the routes of this part of the module.
func (h *Handler) registerSignoff() {}
