package app

// cmdWorktime implements "ortlos worktime check [FILE|-]".
func cmdWorktime(args []string, env Env) error {
	return usageErr("worktime: not implemented yet")
}
