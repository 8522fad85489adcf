package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/holiday"
	"ortlos/internal/worktime/arbzg"
)

const worktimeUsage = `Usage: ortlos worktime check [FILE|-]

Checks clock intervals against the Arbeitszeitgesetz and prints the shifts
and findings as JSON. Reads FILE, or standard input when FILE is "-" or
missing:

  {"state": "BE",                      Bundesland code
   "timezone": "Europe/Berlin",        optional, default Europe/Berlin
   "reference_period": {"type": "24_weeks", "start": "2026-06-01"},
                                       optional; type 24_weeks or 6_calendar_months
   "intervals": [{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T12:00:00+01:00"}]}

Exit code 0 when the check ran (whatever it found), 2 for invalid input.
The rules and finding codes are described in docs/worktime-rules.md.
`

// cmdWorktime implements "ortlos worktime check [FILE|-]".
func cmdWorktime(args []string, env Env) error {
	if len(args) == 0 {
		return usageErr("worktime needs a sub-command: check")
	}
	switch args[0] {
	case "check":
		return worktimeCheck(args[1:], env)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, worktimeUsage)
		return nil
	}
	return usageErr("unknown worktime sub-command %q (want check)", args[0])
}

func worktimeCheck(args []string, env Env) error {
	fs := flag.NewFlagSet("worktime check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), worktimeUsage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("worktime check: %v", err)
	}
	if fs.NArg() > 1 {
		return usageErr("worktime check: unexpected argument %q", fs.Arg(1))
	}
	var (
		r    io.Reader
		name = "standard input"
	)
	if path := fs.Arg(0); path == "" || path == "-" {
		r = env.Stdin
		if r == nil {
			r = strings.NewReader("")
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return inputErr("worktime check: %v", err)
		}
		defer f.Close()
		r, name = f, path
	}
	in, err := decodeWorktimeInput(r)
	if err != nil {
		return inputErr("worktime check: %s: %v", name, err)
	}
	res, err := arbzg.Check(in, holiday.Calendar{})
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
			return inputErr("worktime check: %s: %s", name, e.Message)
		}
		return fmt.Errorf("worktime check: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("worktime check: encode result: %w", err)
	}
	_, err = env.Stdout.Write(buf.Bytes())
	return err
}

// worktimeInput is the JSON input of "worktime check". Pointers tell a
// missing field from an empty one; times stay strings so that an error can
// name the field.
type worktimeInput struct {
	State           *string `json:"state"`
	Timezone        *string `json:"timezone"`
	ReferencePeriod *struct {
		Type  *string `json:"type"`
		Start *string `json:"start"`
	} `json:"reference_period"`
	// Intervals are decoded one by one, so that an error names the index.
	Intervals *[]json.RawMessage `json:"intervals"`
}

type worktimeInterval struct {
	Start *string `json:"start"`
	End   *string `json:"end"`
}

// decodeWorktimeInput reads and checks the JSON input; an error names the
// field (e.g. `intervals[0].start: "x" is not an RFC 3339 time`). The
// engine checks the rest (state, order of start and end, period type).
func decodeWorktimeInput(r io.Reader) (arbzg.Input, error) {
	var raw worktimeInput
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return arbzg.Input{}, jsonInputError("", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return arbzg.Input{}, errors.New("unexpected data after the JSON object")
	}
	var in arbzg.Input
	if raw.State == nil {
		return in, errors.New("state: missing")
	}
	in.State = *raw.State
	tz := "Europe/Berlin"
	if raw.Timezone != nil {
		tz = *raw.Timezone
	}
	// time.LoadLocation takes "" and "Local" for the host's zone; the input
	// must name one.
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return in, fmt.Errorf("timezone: %q is not an IANA time zone (e.g. Europe/Berlin)", tz)
	}
	in.Location = loc
	if rp := raw.ReferencePeriod; rp != nil {
		if rp.Type == nil {
			return in, errors.New("reference_period.type: missing")
		}
		if rp.Start == nil {
			return in, errors.New("reference_period.start: missing")
		}
		start, err := civil.Parse(*rp.Start)
		if err != nil {
			return in, fmt.Errorf("reference_period.start: %q is not a date (YYYY-MM-DD)", *rp.Start)
		}
		in.ReferencePeriod = &arbzg.ReferencePeriod{Type: *rp.Type, Start: start}
	}
	if raw.Intervals == nil {
		return in, errors.New("intervals: missing")
	}
	in.Intervals = make([]arbzg.Interval, len(*raw.Intervals))
	for i, msg := range *raw.Intervals {
		var v worktimeInterval
		field := fmt.Sprintf("intervals[%d]", i)
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return in, jsonInputError(field, err)
		}
		var err error
		if in.Intervals[i].Start, err = inputTime(fmt.Sprintf("intervals[%d].start", i), v.Start, loc); err != nil {
			return in, err
		}
		if in.Intervals[i].End, err = inputTime(fmt.Sprintf("intervals[%d].end", i), v.End, loc); err != nil {
			return in, err
		}
	}
	return in, nil
}

// inputTime parses an RFC 3339 time with an offset and checks that it lies
// in the years the holiday calendar knows (otherwise Sundays would be
// checked but holidays silently not).
func inputTime(field string, s *string, loc *time.Location) (time.Time, error) {
	if s == nil {
		return time.Time{}, fmt.Errorf("%s: missing", field)
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not an RFC 3339 time (e.g. 2026-03-02T08:00:00+01:00)", field, *s)
	}
	if y := t.In(loc).Year(); y < holiday.MinYear || y > holiday.MaxYear {
		return time.Time{}, fmt.Errorf("%s: %q is outside the years %d to %d", field, *s, holiday.MinYear, holiday.MaxYear)
	}
	return t, nil
}

// jsonInputError turns a decoding error of the value at field ("" for the
// whole input) into a message for the person who wrote the file.
func jsonInputError(field string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("empty input, want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typ):
		path := strings.TrimPrefix(field+"."+typ.Field, ".")
		if path == "" {
			path = "input"
		}
		return fmt.Errorf("%s: JSON %s where %s expected", strings.TrimSuffix(path, "."), typ.Value, jsonKind(typ.Type))
	}
	// DisallowUnknownFields reports `json: unknown field "x"`.
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if field != "" {
		msg = field + ": " + msg
	}
	return errors.New(msg)
}

// jsonKind names what JSON a Go type takes.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string is"
	case reflect.Slice:
		return "a list is"
	}
	return "an object is"
}
