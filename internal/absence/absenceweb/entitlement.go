package absenceweb

// registerEntitlement adds the routes of this part of the module.
func (h *Handler) registerEntitlement() {}
