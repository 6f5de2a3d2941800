package cli

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// ANSI colours of the human output.
const (
	green  = "32"
	yellow = "33"
	red    = "31"
	dim    = "2"
)

// colorFor reports whether w should get colour: it is the process's
// stdout or stderr, that file is a terminal, NO_COLOR is unset (see
// no-color.org) and TERM is not "dumb".
func colorFor(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || (f != os.Stdout && f != os.Stderr) {
		return false
	}
	if _, set := os.LookupEnv("NO_COLOR"); set || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// paint wraps s in the ANSI colour code when on is true.
func paint(on bool, code, s string) string {
	if !on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// statusColor is the colour of a message or check status.
func statusColor(status string) string {
	switch strings.ToUpper(status) {
	case "DELIVERED", "PASS", "ACTIVE", "ACCEPTED", "VERIFIED", "RECEIVED":
		return green
	case "FAILED", "FAIL", "SUSPENDED", "REJECTED":
		return red
	case "WARN", "SENT", "QUEUED", "DUPLICATE", "OUT OF ORDER":
		return yellow
	}
	return dim
}

// table returns an aligned-column writer; Flush it when done. Columns are
// separated by tabs. Colour codes must not be used inside a table's cells:
// they would count as width.
func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// printJSON writes v as indented JSON without HTML escaping.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printJSONLine writes v as one line of JSON (listen's event stream).
func printJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// or returns s, or "-" when it is empty.
func or(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// orNil returns *s, or "-" when s is nil or empty.
func orNil(s *string) string {
	if s == nil {
		return "-"
	}
	return or(*s)
}

// yesNo renders a boolean for tables.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// timeText renders a time for humans: UTC with milliseconds, as on the wire.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// duration rounds d for humans.
func duration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}
