package worktimeweb

// registerCorrections adds manual entries, corrections with history and
// the lead's approval of late corrections: the pages (corrections_ui.go)
// and their JSON twins (corrections_api.go).
func (h *Handler) registerCorrections() {
	h.registerCorrectionsUI()
	h.registerCorrectionsAPI()
}
