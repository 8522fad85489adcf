package absenceweb

// registerCalendar adds the routes of this part of the module.
func (h *Handler) registerCalendar() {}
