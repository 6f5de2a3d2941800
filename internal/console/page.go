package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// pages holds one template set per page: the layout and partials, cloned,
// with the page's own file, which defines "content" (and, for live pages,
// "live": the part htmx reloads).
type pages struct {
	sets map[string]*template.Template
}

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"ms": func(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"orDash": func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	},
	"join":   strings.Join,
	"path":   url.PathEscape,
	"json":   prettyJSON,
	"status": statusClass,
	"pct": func(part, whole int) string {
		if whole == 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(whole))
	},
	"rate":     rateText,
	"limit":    limitText,
	"add":      func(a, b int) int { return a + b },
	"contains": func(list []string, s string) bool { return containsString(list, s) },
}

// rateText shows a number's send rate: "1.5 MPS", "unlimited", or
// "default" when it takes the server's --default-number-mps.
func rateText(mps *float64) string {
	switch {
	case mps == nil:
		return "default"
	case *mps == 0:
		return "unlimited"
	}
	return strconv.FormatFloat(*mps, 'f', -1, 64) + " MPS"
}

// limitText shows a campaign limit: "-" when not set (0).
func limitText(v int64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatInt(v, 10)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// prettyJSON shows a stored JSON object for people: "-" for an empty one.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "{}" || string(raw) == "null" {
		return "-"
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// statusClass maps a status or state to the CSS class that colours it.
func statusClass(s string) string {
	switch s {
	case redcloud.MessageDelivered, redcloud.StatusActive, redcloud.MessageReceived: // and delivery DELIVERED
		return "ok"
	case redcloud.MessageFailed, redcloud.StatusSuspended: // and delivery FAILED
		return "bad"
	case redcloud.MessageQueued, redcloud.MessageSent, platform.DeliveryPending:
		return "busy"
	}
	return "muted"
}

func loadPages() (*pages, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		set, err := template.Must(base.Clone()).ParseFS(files, n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		p.sets[name] = set
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	// Nav names the navigation entry to mark as current.
	Nav string
	// Me is the logged-in operator; nil on the login page.
	Me *operator.OperatorInfo
	// Notice is a fixed message about what the last action did.
	Notice string
	// Error is what was wrong with the last action.
	Error string
	// Refresh is how often live parts reload, in milliseconds.
	Refresh int64
	// Data is the page's own.
	Data any
}

// render writes a page, or only its "live" part for an htmx request to a
// live page; a template failure is an internal error.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	set := c.pages.sets[page]
	if set == nil {
		c.internal(w, r, fmt.Errorf("no page %s", page))
		return
	}
	if a := acting(r); a != nil && v.Me == nil {
		v.Me = &a.info
	}
	v.Refresh = c.cfg.Refresh.Milliseconds()
	name := "layout"
	if r.Header.Get("HX-Request") == "true" && set.Lookup("live") != nil {
		name = "live"
	}
	var b bytes.Buffer
	if err := set.ExecuteTemplate(&b, name, v); err != nil {
		c.internal(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // pages show secrets once and live data
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// errorPage shows a message with a way back.
func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "error", view{Title: http.StatusText(status), Error: msg})
}

// internal logs an unexpected error and shows none of it.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error("console", "method", r.Method, "path", r.URL.Path, "err", err)
	if c.pages.sets["error"] == nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	var b bytes.Buffer
	if c.pages.sets["error"].ExecuteTemplate(&b, "layout", view{Title: "Internal error",
		Error: "Something went wrong on the server; it has been logged. Try again."}) != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(b.Bytes())
}

// fail shows an operator error: the domain errors with their message and
// status, anything else as an internal error.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ie *operator.ImportError
	if e, ok := platform.AsError(err); ok {
		status := http.StatusBadRequest
		switch e.Code {
		case redcloud.CodeNotFound:
			status = http.StatusNotFound
		case redcloud.CodeConflict:
			status = http.StatusConflict
		case redcloud.CodeUnauthorized:
			status = http.StatusUnauthorized
		case redcloud.CodeRateLimited:
			status = http.StatusTooManyRequests
		case redcloud.CodeForbidden:
			status = http.StatusForbidden
		}
		c.errorPage(w, r, status, e.Message)
		return
	}
	if errors.As(err, &ie) {
		c.errorPage(w, r, http.StatusBadRequest, ie.Error())
		return
	}
	c.internal(w, r, err)
}

// notices are the fixed messages an action's redirect may ask a page to
// show (?done=…): only these, so that a link cannot make the console say
// anything else.
var notices = map[string]string{
	"replayed":          "Replayed: a new delivery is queued; it appears below once the dispatcher has tried it.",
	"replayed-none":     "Nothing to replay: no failed delivery matches.",
	"status":            "Status changed.",
	"capabilities":      "Capabilities saved.",
	"webhooks":          "Webhook URLs saved.",
	"webhook-activated": "The next webhook signing secret is now the one deliveries are signed with.",
	"tokens-revoked":    "Access tokens revoked.",
	"number-saved":      "Number saved.",
	"number-assigned":   "Number assigned.",
	"number-unassigned": "Number returned to the inventory.",
	"number-added":      "Number added.",
	"account-created":   "Account created.",
	"opted-out":         "Opt-out added.",
	"opt-out-removed":   "Opt-out lifted.",
	"default-provider":  "Default provider saved.",
	"number-routed":     "Number routed.",
}

// notice returns the fixed message a request asks for, or "".
func notice(r *http.Request) string { return notices[r.URL.Query().Get("done")] }

// redirect answers a POST with 303 to a local path.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
