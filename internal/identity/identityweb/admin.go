package identityweb

func (h *Handler) registerAdmin() {}
