package redcloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// EscalationPackage is what to hand to support or engineering about a
// failure, after the playbook's "suggested escalation package": endpoint,
// method, HTTP status, the error body with secrets redacted, requestId,
// request timestamp, idempotency key, messageIds, every attempt made (status,
// delay, reason) and whether the same failure repeated. It never holds a
// token, a client secret or an Authorization header. Render it with JSON or
// Text.
type EscalationPackage struct {
	// Error is the error's message.
	Error string `json:"error"`
	// Shape is the failure shape: "oauth" (token route error), "api" (CORE
	// error wrapper, or an undocumented response of a CORE route),
	// "transport" (no response), or "local" (refused before any request).
	Shape string `json:"shape"`
	// Category, Action and Explanation are Classify, Advise and Explain.
	Category    Category `json:"category"`
	Action      Action   `json:"action"`
	Explanation string   `json:"explanation"`
	// Method and Endpoint name the failing request.
	Method   string `json:"method,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// Status is the HTTP status; 0 without a response.
	Status int `json:"status,omitempty"`
	// Code is the CORE code or OAuth error.
	Code string `json:"code,omitempty"`
	// RequestID is the server's request id.
	RequestID string `json:"requestId,omitempty"`
	// RequestTime is when the failing attempt was sent, in TimeLayout.
	RequestTime string `json:"requestTime,omitempty"`
	// IdempotencyKey is the send's key.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// MessageIDs are the messages concerned, when known.
	MessageIDs []string `json:"messageIds,omitempty"`
	// Outcome is OutcomeNotProcessed, OutcomeUnknown, or for a transport
	// failure "maybe_processed" or "not_processed".
	Outcome string `json:"outcome,omitempty"`
	// Ambiguous is true when a send may have been accepted without the
	// client learning it (ErrOutcomeUnknown).
	Ambiguous bool `json:"ambiguous"`
	// ErrorBody is the response body, secrets redacted: JSON as is, any
	// other text as a JSON string.
	ErrorBody json.RawMessage `json:"errorBody,omitempty"`
	// Attempts are the attempts made, in order.
	Attempts []Attempt `json:"attempts"`
	// Repeated is true when there were several attempts and all failed the
	// same way (same status and code): the issue reproduces consistently.
	Repeated bool `json:"repeated"`
}

// Escalation builds the escalation package of err; nil for a nil err.
func Escalation(err error) *EscalationPackage {
	if err == nil {
		return nil
	}
	p := &EscalationPackage{
		Error:       redactText(err.Error()),
		Shape:       "local",
		Category:    Classify(err),
		Action:      Advise(err),
		Explanation: redactText(Explain(err)),
		Ambiguous:   Ambiguous(err),
		Attempts:    []Attempt{},
	}
	var oe *OAuthError
	var ae *APIError
	var te *TransportError
	var kr *KeyReuseError
	switch {
	case errors.As(err, &oe):
		p.Shape, p.Method, p.Endpoint, p.Status, p.Code = "oauth", oe.Method, oe.Endpoint, oe.StatusCode, oe.Code
		p.RequestID, p.Outcome, p.ErrorBody = oe.RequestID, oe.Outcome, rawBody(oe.Body)
		p.RequestTime = formatTime(oe.RequestTime)
		p.Attempts = append(p.Attempts, oe.Attempts...)
	case errors.As(err, &ae):
		p.Shape, p.Method, p.Endpoint, p.Status, p.Code = "api", ae.Method, ae.Endpoint, ae.StatusCode, ae.Code
		p.RequestID, p.Outcome, p.ErrorBody = ae.RequestID, ae.Outcome, rawBody(ae.Body)
		p.RequestTime, p.IdempotencyKey = formatTime(ae.RequestTime), ae.IdempotencyKey
		p.Attempts = append(p.Attempts, ae.Attempts...)
	case errors.As(err, &te):
		p.Shape, p.Method, p.Endpoint = "transport", te.Method, te.Endpoint
		p.RequestTime, p.IdempotencyKey = formatTime(te.RequestTime), te.IdempotencyKey
		p.Outcome = "not_processed"
		if te.MaybeProcessed {
			p.Outcome = "maybe_processed"
		}
		p.Attempts = append(p.Attempts, te.Attempts...)
	case errors.As(err, &kr):
		p.Method, p.Endpoint, p.IdempotencyKey = http.MethodPost, PathMessagesSend, kr.Key
	}
	if id, ok := strings.CutPrefix(p.Endpoint, pathPrefix(PathMessage)); ok && p.Endpoint != PathMessagesSend && id != "" {
		p.MessageIDs = []string{id}
	}
	if len(p.Attempts) > 1 {
		p.Repeated = true
		first := p.Attempts[0]
		for _, a := range p.Attempts[1:] {
			if a.Error == "" || a.Status != first.Status || a.Code != first.Code {
				p.Repeated = false
				break
			}
		}
	}
	return p
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return NewTime(t).String()
}

// rawBody returns b as JSON: itself when it is valid JSON, else a string.
func rawBody(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// JSON renders the package as indented JSON.
func (p *EscalationPackage) JSON() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil { // cannot happen: every field encodes
		return []byte(`{"error":` + fmt.Sprintf("%q", err.Error()) + `}`)
	}
	return b
}

// Text renders the package for a human: one field a line, then the attempts
// as a table and the error body.
func (p *EscalationPackage) Text() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s:\t%s\n", k, v)
		}
	}
	fmt.Fprintln(&b, "Red Cloud escalation package")
	line("error", p.Error)
	line("shape", p.Shape)
	line("category", string(p.Category))
	line("action", string(p.Action))
	line("explanation", p.Explanation)
	line("endpoint", strings.TrimSpace(p.Method+" "+p.Endpoint))
	if p.Status != 0 {
		line("status", strings.TrimSpace(fmt.Sprintf("%d %s", p.Status, p.Code)))
	}
	line("requestId", p.RequestID)
	line("request time", p.RequestTime)
	line("idempotency key", p.IdempotencyKey)
	line("messageIds", strings.Join(p.MessageIDs, ", "))
	line("outcome", p.Outcome)
	line("ambiguous", yesNo(p.Ambiguous))
	line("repeated", yesNo(p.Repeated))
	w.Flush()
	if len(p.Attempts) > 0 {
		fmt.Fprintln(&b, "attempts:")
		w = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "  #\trequest time\tdelay\tstatus\trequestId\treason\terror")
		for _, a := range p.Attempts {
			status := "-"
			if a.Status != 0 {
				status = strings.TrimSpace(fmt.Sprintf("%d %s", a.Status, a.Code))
			}
			fmt.Fprintf(w, "  %d\t%s\t%v\t%s\t%s\t%s\t%s\n", a.Number, NewTime(a.RequestTime), a.Delay, status,
				dash(a.RequestID), a.Reason, dash(a.Error))
		}
		w.Flush()
	}
	if len(p.ErrorBody) > 0 {
		fmt.Fprintln(&b, "error body (redacted):")
		fmt.Fprintln(&b, "  "+string(p.ErrorBody))
	}
	return b.String()
}

// String is Text.
func (p *EscalationPackage) String() string { return p.Text() }

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
