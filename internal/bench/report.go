package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run, printed as a table (WriteTable) or JSON
// (WriteJSON).
type Report struct {
	// Date is when the run started.
	Date time.Time `json:"date"`
	// Command is the command line of the run, a postgres:// password redacted.
	Command string `json:"command"`
	// Machine describes the machine the run was on.
	Machine Machine `json:"machine"`
	// Server describes the server that was measured.
	Server ServerInfo `json:"server"`
	// DurationSeconds and WarmupSeconds are each scenario's measured time and
	// its uncounted warm-up before it.
	DurationSeconds float64 `json:"durationSeconds"`
	WarmupSeconds   float64 `json:"warmupSeconds"`
	// Concurrency is the closed-loop workers (and connections).
	Concurrency int `json:"concurrency"`
	// E2ERate is the e2e scenario's open-loop send rate per second.
	E2ERate float64 `json:"e2eRate"`
	// Baseline is the baseline's result; nil when skipped.
	Baseline *Result `json:"baseline"`
	// BaselineMethod says what the baseline is and how it was run.
	BaselineMethod string `json:"baselineMethod,omitempty"`
	// Results are the scenarios' results, in run order.
	Results []Result `json:"results"`
}

// ServerInfo describes the measured server.
type ServerInfo struct {
	// URL is the base URL the load went to.
	URL string `json:"url"`
	// Started is true when the run started the server as its child process.
	Started bool `json:"started"`
	// Args are the started server's arguments (a password redacted).
	Args string `json:"args,omitempty"`
	// DB is the started server's database ("sqlite (fresh temporary file)"
	// or the redacted postgres:// URL).
	DB string `json:"db,omitempty"`
	// Role is the started server's --role.
	Role string `json:"role,omitempty"`
	// PeakRSS is its peak resident memory over the whole run (VmHWM, bytes);
	// nil when unknown.
	PeakRSS *int64 `json:"peakRssBytes"`
}

// Result is one scenario's (or the baseline's) outcome.
type Result struct {
	// Scenario is the scenario's name, or "baseline".
	Scenario string `json:"scenario"`
	// Description says what the scenario does.
	Description string `json:"description"`
	// Skipped says why the scenario did not run; empty when it ran.
	Skipped string `json:"skipped,omitempty"`
	// Unit is Throughput's unit: requests/s, messages/s or deliveries/s.
	Unit string `json:"unit,omitempty"`
	// Requests counts what was measured: requests started in the window
	// (closed loop), sends scheduled (e2e) or deliveries expected (dispatch).
	Requests int64 `json:"requests"`
	// OK counts the successes among them.
	OK int64 `json:"ok"`
	// Errors counts the failures: non-2xx answers, transport errors, missing
	// or rejected webhooks.
	Errors int64 `json:"errors"`
	// ErrorKinds counts the errors by kind (status and body, or the cause).
	ErrorKinds map[string]int64 `json:"errorKinds,omitempty"`
	// Seconds is the time Throughput is taken over.
	Seconds float64 `json:"seconds"`
	// Throughput is successes per second.
	Throughput float64 `json:"throughput"`
	// Ratio is Throughput divided by the baseline's; nil without a baseline.
	Ratio *float64 `json:"ratioToBaseline"`
	// Latency summarises the successes' latencies (none for dispatch).
	Latency Latency `json:"latency"`
	// PeakRSS is the largest resident memory (VmRSS, bytes) of the server
	// sampled during the scenario; nil when unknown.
	PeakRSS *int64 `json:"peakRssBytes"`
	// ServerCPU and LoadCPU are the CPU cores the server and this process
	// (the load generator, and the webhook receiver) used on average during
	// the scenario; nil when unknown.
	ServerCPU *float64 `json:"serverCpuCores"`
	LoadCPU   *float64 `json:"loadCpuCores"`
	// DBCPU is the CPU cores the local PostgreSQL server's processes used
	// during the scenario; nil for SQLite, a remote database, or unknown.
	DBCPU *float64 `json:"dbCpuCores"`
	// OtherCPU is the CPU cores the rest of the machine used meanwhile: on a
	// shared machine, a sign that the numbers are low because of others.
	// Nil when unknown.
	OtherCPU *float64 `json:"otherCpuCores"`
	// Timeline counts the successes by second, from the start of the
	// measured window (closed loop), of the first send (e2e and dispatch).
	Timeline []float64 `json:"timeline,omitempty"`
	// Histogram is the latency distribution in buckets doubling from 0.25 ms.
	Histogram []Bucket `json:"latencyHistogram,omitempty"`
	// Notes give the scenario's method and secondary numbers.
	Notes []string `json:"notes,omitempty"`
}

// WriteJSON writes the report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// WriteTable writes the report as a header, a table with one row per
// scenario (the baseline first) and the scenarios' notes.
func (rep *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "redcloud bench  %s\n", rep.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "machine  %s\n", rep.Machine)
	if rep.Command != "" {
		fmt.Fprintf(&b, "command  %s\n", rep.Command)
	}
	if rep.Server.Started {
		fmt.Fprintf(&b, "server   child process: redcloud %s\n", rep.Server.Args)
	} else {
		fmt.Fprintf(&b, "server   %s (not started by the bench: memory unknown)\n", rep.Server.URL)
	}
	fmt.Fprintf(&b, "load     %d connections (closed loop), %s per scenario after %s warm-up; e2e open loop at %s/s\n\n",
		rep.Concurrency, secs(rep.DurationSeconds), secs(rep.WarmupSeconds), thousands(rep.E2ERate))

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	rows := rep.Results
	if rep.Baseline != nil {
		rows = append([]Result{*rep.Baseline}, rows...)
	}
	nameWidth := len("SCENARIO")
	for _, r := range rows {
		nameWidth = max(nameWidth, len(r.Scenario))
	}
	fmt.Fprintf(tw, "%-*s\tTHROUGHPUT\tUNIT\t×BASELINE\tP50\tP90\tP99\tERRORS\tREQUESTS\tPEAK RSS\tCPU SERVER\tCPU LOAD\tCPU DB\tCPU OTHER\t\n", nameWidth, "SCENARIO")
	for _, r := range rows {
		name := fmt.Sprintf("%-*s", nameWidth, r.Scenario) // left-aligned in a right-aligned table
		if r.Skipped != "" {
			fmt.Fprintf(tw, "%s\tskipped\t\t\t\t\t\t\t\t\t\t\t\t\t\n", name)
			continue
		}
		ratio := "—"
		if r.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *r.Ratio)
		}
		p50, p90, p99 := "—", "—", "—"
		if r.Latency.Count > 0 {
			p50, p90, p99 = fmtDuration(r.Latency.P50), fmtDuration(r.Latency.P90), fmtDuration(r.Latency.P99)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, thousands(r.Throughput), r.Unit, ratio,
			p50, p90, p99, thousands(float64(r.Errors)), thousands(float64(r.Requests)), fmtBytes(r.PeakRSS),
			fmtCores(r.ServerCPU), fmtCores(r.LoadCPU), fmtCores(r.DBCPU), fmtCores(r.OtherCPU))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Server.Started {
		fmt.Fprintf(&b, "\nserver peak RSS over the whole run (VmHWM): %s\n", fmtBytes(rep.Server.PeakRSS))
	}
	b.WriteString("\n")
	if rep.BaselineMethod != "" {
		b.WriteString(wrap(rep.BaselineMethod, "", 100))
	}
	b.WriteString(wrap("closed loop: each worker sends its next request when the answer arrives; throughput = 2xx answers / "+
		"(last answer - window start); percentiles are exact (nearest rank over every successful request's latency); "+
		"errors = non-2xx answers and transport errors; peak RSS = largest VmRSS of the server (for the baseline row: of the baseline process) "+
		"sampled every 100 ms during the scenario; CPU = cores used on average during the scenario by the server (baseline) "+
		"and by the bench process (load generator and webhook receiver), from /proc/<pid>/stat; by the local PostgreSQL "+
		"server's processes (DB, with --db postgres://127.0.0.1…); and by everything else (the machine's busy time in /proc/stat, "+
		"hypervisor steal included, less those): above a few tenths, the machine was not quiet.", "", 100))
	for _, r := range rows {
		if r.Scenario == "baseline" {
			continue
		}
		b.WriteString(wrap(r.Scenario+": "+r.Description, "", 100))
		if r.Skipped != "" {
			b.WriteString(wrap("skipped: "+r.Skipped, "    ", 100))
		}
		for _, n := range r.Notes {
			b.WriteString(wrap(n, "    ", 100))
		}
		kinds := make([]string, 0, len(r.ErrorKinds))
		for k := range r.ErrorKinds {
			kinds = append(kinds, k)
		}
		slices.SortFunc(kinds, func(a, b string) int { return int(r.ErrorKinds[b] - r.ErrorKinds[a]) })
		for i, k := range kinds {
			if i == 5 {
				fmt.Fprintf(&b, "    … %d more kinds of error\n", len(kinds)-5)
				break
			}
			b.WriteString(wrap(fmt.Sprintf("error ×%d: %s", r.ErrorKinds[k], k), "    ", 100))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap breaks s into lines of at most width columns, each starting with
// indent (continuation lines with two more spaces).
func wrap(s, indent string, width int) string {
	var b strings.Builder
	line, empty := indent, true
	for _, word := range strings.Fields(s) {
		if !empty && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line, empty = indent+"  ", true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	return b.String() + line + "\n"
}

// thousands formats v rounded to an integer with thousands separators, or
// with one decimal below 10.
func thousands(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	if v != 0 && math.Abs(v) < 10 && v != math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// fmtDuration shows d with three significant digits in ms, or in seconds
// from one second.
func fmtDuration(d time.Duration) string {
	m := float64(d) / 1e6
	switch {
	case m < 10:
		return strconv.FormatFloat(m, 'f', 2, 64) + "ms"
	case m < 100:
		return strconv.FormatFloat(m, 'f', 1, 64) + "ms"
	case m < 1000:
		return strconv.FormatFloat(m, 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(m/1000, 'f', 2, 64) + "s"
}

// fmtBytes shows a byte count in MiB, or "unknown".
func fmtBytes(n *int64) string {
	if n == nil {
		return "unknown"
	}
	return strconv.FormatFloat(float64(*n)/(1<<20), 'f', 1, 64) + " MiB"
}

// fmtCores shows a number of CPU cores, or "—".
func fmtCores(c *float64) string {
	if c == nil {
		return "—"
	}
	return strconv.FormatFloat(*c, 'f', 2, 64)
}

// secs shows a number of seconds as a duration.
func secs(s float64) string { return time.Duration(s * float64(time.Second)).String() }

// redact replaces the password of every URL-shaped word of s.
func redact(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		prefix, rest, found := strings.Cut(w, "=")
		if !found || strings.Contains(prefix, "://") {
			prefix, rest = "", w
		} else {
			prefix += "="
		}
		if u, err := url.Parse(rest); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				words[i] = prefix + u.Redacted()
			}
		}
	}
	return strings.Join(words, " ")
}
