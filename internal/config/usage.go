package config

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// PrintDefaults writes the help for the flags that Load registers on a flag
// set called name, followed by the table of environment variables with
// their defaults. Write errors are ignored, as in package flag.
func PrintDefaults(w io.Writer, name string) {
	all := settings()
	fs := newFlagSet(name, all)
	fs.SetOutput(w)
	fmt.Fprintf(w, "Usage of %s:\n", name)
	fs.PrintDefaults()

	fmt.Fprintf(w, "\nEnvironment (precedence, lowest first: defaults, config file, environment, flags):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\t\t%s\n", configKey, "config file with ORTLOS_*=value lines (-config)")
	def := Defaults()
	for _, s := range all {
		d := s.format(def)
		if s.derived != "" {
			d = s.derived
		}
		if d == "" {
			d = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.env, d, s.usage)
		if s.secret {
			fmt.Fprintf(tw, "  %s\t\t%s\n", s.fileKey(), "file holding "+s.env+" (safer than a flag)")
		}
	}
	tw.Flush()
}
