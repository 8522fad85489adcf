package app

// cmdHolidays implements "ortlos holidays --state BY --year 2026
// [--format text|json|ics]".
func cmdHolidays(args []string, env Env) error {
	return usageErr("holidays: not implemented yet")
}
