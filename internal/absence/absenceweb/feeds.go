package absenceweb

// registerFeeds adds the routes of this part of the module.
func (h *Handler) registerFeeds() {}
