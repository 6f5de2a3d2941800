package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

// forwardTimeout bounds a forward, below the 10 s Red Cloud gives a
// webhook attempt, so that the platform still gets the forward's answer.
const forwardTimeout = 8 * time.Second

// forwardHeaders are the request headers passed on with --forward-to:
// what a receiver needs to verify the signature and identify the event.
var forwardHeaders = []string{
	"Content-Type", "User-Agent",
	webhook.HeaderTimestamp, webhook.HeaderSignature, webhook.HeaderEventID, webhook.HeaderEventType, webhook.HeaderAttempt,
}

// listener is listen's http.Handler: it verifies every request with the
// webhook package, flags duplicates and out-of-order events, forwards
// verified requests, and prints one line per request.
type listener struct {
	out     io.Writer
	json    bool
	color   bool
	secrets []string
	forward string
	fwd     *http.Client
	now     func() time.Time

	mu   sync.Mutex // guards seq, seen and the output
	seq  *webhook.SequenceTracker
	seen map[string]bool // acknowledged eventIds
}

// newListener returns a listener that prints to out and verifies with
// secrets; forward, when not empty, is where verified requests go on to.
func newListener(out io.Writer, json bool, secrets []string, forward string) *listener {
	return &listener{
		out: out, json: json, color: colorFor(out), secrets: secrets, forward: forward,
		fwd: &http.Client{Timeout: forwardTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		now: time.Now, seq: webhook.NewSequenceTracker(), seen: map[string]bool{},
	}
}

// listenLine is one request as listen reports it; --json prints it as
// one line.
type listenLine struct {
	Time              string           `json:"time"`
	Verified          bool             `json:"verified"`
	Rejected          string           `json:"rejected,omitempty"`
	EventID           string           `json:"eventId,omitempty"`
	Type              string           `json:"type,omitempty"`
	MessageID         string           `json:"messageId,omitempty"`
	Sequence          int64            `json:"sequence,omitempty"`
	Status            string           `json:"status,omitempty"`
	Failure           *webhook.Failure `json:"failure,omitempty"`
	Terminal          bool             `json:"terminal"`
	ExternalReference string           `json:"externalReference,omitempty"`
	From              string           `json:"from,omitempty"`
	To                string           `json:"to,omitempty"`
	Text              string           `json:"text,omitempty"`
	Attempt           string           `json:"attempt,omitempty"`
	Duplicate         bool             `json:"duplicate"`
	OutOfOrder        bool             `json:"outOfOrder"`
	Forward           *forward         `json:"forward,omitempty"`
	Answered          int              `json:"answered"`
}

// forward is the outcome of passing a request on to --forward-to.
type forward struct {
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// answer is the status Red Cloud gets for a forwarded event: the forward
// target's own, or 502 when it could not be reached.
func (f *forward) answer() int {
	if f.Status >= 200 && f.Status <= 599 {
		return f.Status
	}
	return http.StatusBadGateway
}

// ServeHTTP receives one webhook request: it verifies it, forwards it when
// asked, answers, and prints its line.
func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "redcloud listen receives Red Cloud webhooks: POST only", http.StatusMethodNotAllowed)
		return
	}
	line := listenLine{Time: l.now().UTC().Format("15:04:05.000"), Attempt: r.Header.Get(webhook.HeaderAttempt)}
	ev, raw, err := webhook.Receive(r, l.secrets, l.now(), 0, 0)
	if err != nil {
		status, reason := rejection(err)
		// The unsigned headers, to tell which delivery it was; not trusted.
		line.Rejected, line.Answered = reason, status
		line.EventID, line.Type = r.Header.Get(webhook.HeaderEventID), r.Header.Get(webhook.HeaderEventType)
		http.Error(w, reason, status)
		l.print(line)
		return
	}
	line.Verified, line.EventID, line.Type, line.MessageID, line.Sequence = true, ev.EventID, ev.Type, ev.MessageID, ev.Sequence
	line.Status, line.Failure, line.Terminal, line.ExternalReference = ev.Status, ev.Failure, ev.IsTerminal(), ev.ExternalReference
	if ev.Type == webhook.TypeInbound {
		line.From, line.To, line.Text = ev.From, ev.To, ev.Text
	}
	l.mu.Lock()
	line.Duplicate = l.seen[ev.EventID]
	line.OutOfOrder = !line.Duplicate && l.seq.Stale(ev)
	l.mu.Unlock()
	status := http.StatusNoContent
	if l.forward != "" {
		line.Forward = l.forwardRequest(r, raw)
		status = line.Forward.answer()
	}
	if status >= 200 && status < 300 {
		// Acknowledged: only now is it "seen", so a retry after a failed
		// forward is not taken for a duplicate.
		l.mu.Lock()
		l.seen[ev.EventID] = true
		l.seq.Observe(ev)
		l.mu.Unlock()
	}
	line.Answered = status
	w.WriteHeader(status)
	l.print(line)
}

// forwardRequest passes the raw body and the signature headers of r on to
// the forward URL.
func (l *listener) forwardRequest(r *http.Request, raw []byte) *forward {
	f := &forward{URL: l.forward}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, l.forward, bytes.NewReader(raw))
	if err != nil {
		f.Error = err.Error()
		return f
	}
	for _, h := range forwardHeaders {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	res, err := l.fwd.Do(req)
	if err != nil {
		f.Error = err.Error()
		return f
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	f.Status = res.StatusCode
	return f
}

// rejection is the status and reason of a request Receive refused.
func rejection(err error) (int, string) {
	switch {
	case errors.Is(err, webhook.ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "body too large"
	case errors.Is(err, webhook.ErrNoSecrets):
		return http.StatusInternalServerError, "no signing secret configured"
	case errors.Is(err, webhook.ErrMissingSignature):
		return http.StatusUnauthorized, "bad signature: missing signature or timestamp"
	case errors.Is(err, webhook.ErrInvalidTimestamp):
		return http.StatusUnauthorized, "bad signature: invalid timestamp"
	case errors.Is(err, webhook.ErrTimestampOutOfTolerance):
		return http.StatusUnauthorized, "bad signature: timestamp outside tolerance (clock skew or a replay)"
	case errors.Is(err, webhook.ErrSignatureMismatch):
		return http.StatusUnauthorized, "bad signature: signature mismatch (wrong secret or altered body)"
	case errors.Is(err, webhook.ErrInvalidEvent):
		return http.StatusBadRequest, "signed, but not a Red Cloud event"
	}
	return http.StatusBadRequest, "could not read the body"
}

// printHeader prints what listen is doing before the first request.
func (l *listener) printHeader(h listenHeader) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.json {
		_ = printJSONLine(l.out, h)
		return
	}
	fmt.Fprintf(l.out, "listening on %s\n", h.Listening)
	if h.Registered {
		fmt.Fprintf(l.out, "registered as the delivery and inbound webhook URL of %s at %s (sandbox)\n", h.APIClientID, h.BaseURL)
		fmt.Fprintf(l.out, "signing secret %s (verify forwarded requests with it)\n", h.SigningSecret)
	}
	if h.ForwardTo != "" {
		fmt.Fprintf(l.out, "forwarding verified requests to %s; its status is Red Cloud's answer (only 2xx acknowledges)\n", h.ForwardTo)
	}
	stop := "Ctrl-C stops"
	if h.Registered {
		stop += " and clears the registration"
	}
	fmt.Fprintf(l.out, "verifying every signature with the webhook package; %s\n", stop)
}

// print prints one request's line.
func (l *listener) print(line listenLine) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.json {
		_ = printJSONLine(l.out, line)
		return
	}
	c := l.color
	var b strings.Builder
	b.WriteString(paint(c, dim, line.Time) + "  ")
	if !line.Verified {
		b.WriteString(paint(c, red, "REJECTED") + "  " + line.Rejected)
		if line.EventID != "" || line.Type != "" {
			fmt.Fprintf(&b, "  (unverified headers: %s %s)", or(line.Type), or(line.EventID))
		}
		fmt.Fprintf(&b, "  answered %d\n", line.Answered)
		io.WriteString(l.out, b.String())
		return
	}
	status := line.Status
	if line.Type == webhook.TypeInbound {
		status = "from " + line.From
	}
	fmt.Fprintf(&b, "%-17s %-31s seq %-2d %s", line.Type, line.MessageID, line.Sequence, paint(c, statusColor(line.Status), fmt.Sprintf("%-9s", status)))
	switch {
	case line.Failure != nil:
		b.WriteString("  " + paint(c, red, line.Failure.Code))
	case line.Type == webhook.TypeInbound:
		b.WriteString("  " + strconv.Quote(line.Text))
	}
	if line.Duplicate {
		b.WriteString("  " + paint(c, yellow, "DUPLICATE"))
	}
	if line.OutOfOrder {
		b.WriteString("  " + paint(c, yellow, "OUT OF ORDER"))
	}
	b.WriteString("  verified")
	if line.Attempt != "" && line.Attempt != "1" {
		b.WriteString("  attempt " + line.Attempt)
	}
	if f := line.Forward; f != nil {
		if f.Error != "" {
			b.WriteString("  " + paint(c, red, "forward failed: "+f.Error))
		} else {
			fs := fmt.Sprintf("forward %d", f.Status)
			if f.Status < 200 || f.Status > 299 {
				fs = paint(c, red, fs)
			}
			b.WriteString("  " + fs)
		}
	}
	fmt.Fprintf(&b, "  answered %d\n", line.Answered)
	io.WriteString(l.out, b.String())
}
