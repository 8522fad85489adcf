package worktimeweb

// registerCorehours adds the routes of this part of the module.
func (h *Handler) registerCorehours() {}
