package identityweb

func (h *Handler) registerAPI() {}
