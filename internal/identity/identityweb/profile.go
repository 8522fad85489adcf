package identityweb

func (h *Handler) registerProfile() {}
