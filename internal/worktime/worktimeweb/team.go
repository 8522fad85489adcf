package worktimeweb

// registerTeam adds the routes of this part of the module.
func (h *Handler) registerTeam() {}
