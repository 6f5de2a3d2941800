package redcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	// maxResponseBytes bounds what the client reads of a response.
	maxResponseBytes = 8 << 20
	// maxErrorBody bounds the body kept on an error.
	maxErrorBody = 4 << 10
)

// call is one logical API call; do makes its attempts.
type call struct {
	method   string
	endpoint string // escaped path, for example /api/core/messages/send
	body     []byte // sent byte for byte on every attempt
	ctype    string
	key      string // Idempotency-Key (sends)
	token    bool   // the token route: HTTP Basic, the OAuth error shape
	send     bool   // not idempotent without its key: track ambiguity
	extRef   string // logged
	msgID    string // logged
	logKey   string // logged as the idempotency key when key is empty
}

// reply is what a successful attempt returned besides the decoded body.
type reply struct {
	status    int
	requestID string
	replayed  bool
}

// do runs cl's attempts under the retry policy and decodes a 2xx body into
// out (when out is not nil). It returns the attempts made in all cases.
func (c *Client) do(ctx context.Context, cl *call, out any) (*reply, []Attempt, error) {
	p := c.retry
	c.budget.earn()
	var attempts []Attempt
	refreshed, ambiguous := false, false
	counted := 0          // attempts that count against MaxAttempts
	refreshRetry := false // the next attempt is the one retry after a token refresh
	delay, reason := time.Duration(0), "first attempt"
	stop := func(err error, causes ...error) error {
		setAttempts(err, attempts)
		if cl.send && ambiguous {
			causes = append(causes, ErrOutcomeUnknown)
		}
		if len(causes) == 0 {
			return err
		}
		return &stopError{err: err, causes: causes, key: cl.key}
	}
	for {
		var tok string
		if !cl.token {
			t, err := c.tokens.get(ctx)
			if err != nil {
				if len(attempts) == 0 {
					return nil, nil, err
				}
				// The token fetch's own attempts are on err; this call's
				// earlier attempts still decide its ambiguity.
				if cl.send && ambiguous {
					return nil, attempts, &stopError{err: err, causes: []error{ErrOutcomeUnknown}, key: cl.key}
				}
				return nil, attempts, err
			}
			tok = t.AccessToken
		}
		if !refreshRetry {
			counted++
		}
		refreshRetry = false
		rep, err := c.attempt(ctx, cl, tok, out, &attempts, delay, reason)
		if err == nil {
			return rep, attempts, nil
		}
		ambiguous = ambiguous || attempts[len(attempts)-1].Ambiguous
		cat := Classify(err)
		var ae *APIError
		if cat == Authentication && !cl.token && !refreshed && errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized {
			// Playbook: refresh once, retry once, never loop.
			refreshed, refreshRetry = true, true
			c.tokens.invalidate(tok)
			delay, reason = 0, "retry with a fresh token after "+failureSummary(err)
			continue
		}
		if (cat != Transient && cat != RateLimited) || counted >= p.MaxAttempts {
			return nil, attempts, stop(err)
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, attempts, stop(err, cerr)
		}
		ra := retryAfter(err)
		if ra > p.MaxDelay {
			setAttempts(err, attempts)
			return nil, attempts, stop(&RetryAfterError{RetryAfter: ra, MaxDelay: p.MaxDelay, Err: err})
		}
		if !c.budget.take() {
			return nil, attempts, stop(err, ErrRetryBudgetExhausted)
		}
		d := ra
		if d <= 0 {
			d = p.backoff(counted)
		}
		if serr := p.Sleep(ctx, d); serr != nil {
			cause := ctx.Err()
			if cause == nil {
				cause = serr
			}
			return nil, attempts, stop(err, cause)
		}
		delay, reason = d, "retry after "+failureSummary(err)
	}
}

// attempt makes one request, records it in attempts and logs it.
func (c *Client) attempt(ctx context.Context, cl *call, tok string, out any, attempts *[]Attempt, delay time.Duration, reason string) (*reply, error) {
	a := Attempt{Number: len(*attempts) + 1, RequestTime: c.now(), Delay: delay, Reason: reason}
	rep, err := c.roundTrip(ctx, cl, tok, out, a.RequestTime)
	if rep != nil {
		a.Status, a.RequestID = rep.status, rep.requestID
	}
	var oe *OAuthError
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &oe):
		a.Code = oe.Code
	case errors.As(err, &ae):
		a.Code = ae.Code
		a.Ambiguous = ae.ambiguous()
	case errors.As(err, &te):
		a.Ambiguous = te.MaybeProcessed
	}
	if err != nil {
		a.Error = c.redact(failureSummary(err))
	}
	*attempts = append(*attempts, a)
	c.logAttempt(ctx, cl, a, out, err)
	return rep, err
}

// failureSummary is a short description of an attempt's failure.
func failureSummary(err error) string {
	var oe *OAuthError
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &oe):
		return strings.TrimSpace(fmt.Sprintf("%d %s", oe.StatusCode, oe.Code))
	case errors.As(err, &ae):
		s := strings.TrimSpace(fmt.Sprintf("%d %s", ae.StatusCode, ae.Code))
		if ae.Code == "" {
			s += " (undocumented response)"
		}
		return s
	case errors.As(err, &te):
		return "transport error: " + te.Err.Error()
	}
	return err.Error()
}

// roundTrip sends one attempt of cl and reads its answer.
func (c *Client) roundTrip(ctx context.Context, cl *call, tok string, out any, at time.Time) (*reply, error) {
	terr := func(op string, err error, maybe bool) error {
		return &TransportError{Op: op, Method: cl.method, Endpoint: cl.endpoint, IdempotencyKey: cl.key,
			RequestTime: at, Err: err, MaybeProcessed: maybe}
	}
	if err := ctx.Err(); err != nil {
		return nil, terr("round trip", err, false)
	}
	tr := &traceState{}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, tr.trace()), cl.method, c.base+cl.endpoint, body)
	if err != nil {
		return nil, terr("round trip", err, false)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.ctype != "" {
		req.Header.Set("Content-Type", cl.ctype)
	}
	if cl.token {
		// RFC 6749 §2.3.1: the credentials are form-encoded, then Basic.
		req.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.clientSecret))
	} else {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if cl.key != "" {
		req.Header.Set(HeaderIdempotencyKey, cl.key)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		inner := err
		if errors.As(err, &ue) {
			inner = ue.Err
		}
		return nil, terr("round trip", inner, tr.maybeSent(inner))
	}
	defer res.Body.Close()
	rep := &reply{status: res.StatusCode, requestID: res.Header.Get(HeaderRequestID),
		replayed: strings.EqualFold(res.Header.Get(HeaderReplayed), "true")}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes+1))
	if err != nil {
		notProcessed := res.StatusCode >= 400 && res.Header.Get(HeaderOutcome) == OutcomeNotProcessed
		return rep, terr("read response", err, !notProcessed)
	}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		derr := decodeSuccess(b, out)
		if derr == nil {
			return rep, nil
		}
		return rep, c.responseError(cl, res, b, at, derr)
	}
	return rep, c.responseError(cl, res, b, at, nil)
}

// decodeSuccess decodes a 2xx body into out.
func decodeSuccess(b []byte, out any) error {
	if out == nil {
		return nil
	}
	if len(b) > maxResponseBytes {
		return fmt.Errorf("response body exceeds %d bytes", maxResponseBytes)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return err
	}
	if missing := missingField(out); missing != "" {
		return errors.New("response without " + missing)
	}
	return nil
}

// missingField names the field a decoded success body must have and does
// not: a body that decodes but is not the documented shape ({} or another
// object) must not pass for an empty result.
func missingField(out any) string {
	switch v := out.(type) {
	case *TokenResponse:
		if v.AccessToken == "" {
			return "access_token"
		}
	case *SendResponse:
		if v.Results == nil {
			return "results"
		}
	case *WhoAmI:
		if v.APIClientID == "" {
			return "apiClientId"
		}
	case *NumberList:
		if v.Numbers == nil {
			return "numbers"
		}
	case *NumberSearchResult:
		if v.Groups == nil {
			return "groups"
		}
	case *Number:
		if v.NumberID == "" {
			return "numberId"
		}
	case *Message:
		if v.MessageID == "" {
			return "messageId"
		}
	case *IdempotencyRecord:
		if v.Key == "" {
			return "key"
		}
	}
	return ""
}

// responseError builds the typed error of a non-2xx response, or of a 2xx
// whose body could not be decoded (decodeErr).
func (c *Client) responseError(cl *call, res *http.Response, b []byte, at time.Time, decodeErr error) error {
	outcome := OutcomeUnknown
	if res.Header.Get(HeaderOutcome) == OutcomeNotProcessed {
		outcome = OutcomeNotProcessed
	}
	kept := b
	if len(kept) > maxErrorBody {
		kept = kept[:maxErrorBody]
	}
	kept = []byte(c.redact(string(kept)))
	ra := parseRetryAfter(res.Header.Get("Retry-After"), c.now())
	reqID := res.Header.Get(HeaderRequestID)
	var undocumented error
	if decodeErr != nil {
		undocumented = fmt.Errorf("%w: %d body could not be decoded: %v", ErrUnexpectedResponse, res.StatusCode, decodeErr)
	}
	if cl.token {
		e := &OAuthError{StatusCode: res.StatusCode, RequestID: reqID, Method: cl.method, Endpoint: cl.endpoint,
			RequestTime: at, Outcome: outcome, RetryAfter: ra, Body: kept}
		var ob OAuthErrorBody
		switch {
		case undocumented != nil:
			e.Description = fmt.Sprintf("the %d response could not be decoded", res.StatusCode)
			e.Err = undocumented
		case json.Unmarshal(b, &ob) == nil && ob.Error != "":
			e.Code, e.Description = ob.Error, c.redact(ob.ErrorDescription)
		default:
			e.Description = c.describeUndocumented(res, b)
			e.Err = fmt.Errorf("%w: not the OAuth error shape", ErrUnexpectedResponse)
		}
		return e
	}
	e := &APIError{StatusCode: res.StatusCode, Details: map[string]any{}, RequestID: reqID, Method: cl.method,
		Endpoint: cl.endpoint, IdempotencyKey: cl.key, RequestTime: at, Outcome: outcome, RetryAfter: ra, Body: kept}
	var eb ErrorBody
	switch {
	case undocumented != nil:
		e.Message = fmt.Sprintf("the %d response could not be decoded; the request was processed", res.StatusCode)
		e.Err = undocumented
	case json.Unmarshal(b, &eb) == nil && eb.Error.Code != "":
		e.Code, e.Message = eb.Error.Code, c.redact(eb.Error.Message)
		if eb.Error.Details != nil {
			e.Details = eb.Error.Details
		}
		if eb.RequestID != "" {
			e.RequestID = eb.RequestID
		}
	default:
		e.Message = c.describeUndocumented(res, b)
		e.Err = fmt.Errorf("%w: not the CORE error wrapper", ErrUnexpectedResponse)
	}
	return e
}

// describeUndocumented says what an error response that is not in the
// documented shape looked like: its content type and the start of its text.
func (c *Client) describeUndocumented(res *http.Response, b []byte) string {
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if ct == "" {
		ct = "no content type"
	}
	text := strings.Join(strings.Fields(stripTags(string(b))), " ")
	if len(text) > 120 {
		text = text[:120] + "…"
	}
	s := fmt.Sprintf("undocumented %d response (%s)", res.StatusCode, ct)
	if text != "" {
		s += ": " + c.redact(text)
	}
	return s
}

// stripTags removes markup from an HTML error page, roughly.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// traceState records how far a request got, to tell whether a failed one
// may have reached the server.
type traceState struct {
	mu       sync.Mutex
	getConn  bool
	gotConn  bool
	wrote    bool
	wroteErr error
}

func (t *traceState) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { t.mu.Lock(); t.getConn = true; t.mu.Unlock() },
		GotConn: func(httptrace.GotConnInfo) { t.mu.Lock(); t.gotConn = true; t.mu.Unlock() },
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			t.mu.Lock()
			t.wrote, t.wroteErr = true, i.Err
			t.mu.Unlock()
		},
	}
}

// maybeSent reports whether a request that failed with err may have
// reached the server: it was written in full, or the client cannot tell.
func (t *traceState) maybeSent(err error) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.wrote:
		return t.wroteErr == nil
	case t.gotConn:
		return true // the write may still have completed
	case t.getConn:
		return false // no connection was ever obtained
	}
	var op *net.OpError
	var dns *net.DNSError
	if errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial") {
		return false
	}
	return true
}
