package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/webhook"
)

// Routes the drills use.
const (
	routeToken  = redcloud.PathToken
	routeWhoAmI = redcloud.PathWhoAmI
	routeSend   = redcloud.PathMessagesSend
)

// drillsRun is the outcome of `doctor --drills`.
type drillsRun struct {
	OK      bool    `json:"ok"`
	Sandbox bool    `json:"sandbox"`
	Refused bool    `json:"refused"`
	Detail  string  `json:"detail,omitempty"`
	Passed  int     `json:"passed"`
	Failed  int     `json:"failed"`
	Drills  []drill `json:"drills"`
}

// drill is one production-readiness failure path: what the client saw
// and what it did about it.
type drill struct {
	Name   string `json:"name"`
	Result string `json:"result"` // pass or fail
	Saw    []saw  `json:"saw"`
	Did    string `json:"did"`
	Detail string `json:"detail,omitempty"` // why the drill failed
}

// saw is one failure the client (or a webhook receiver) saw.
type saw struct {
	Shape          string            `json:"shape"` // oauth, api, transport, webhook
	Category       redcloud.Category `json:"category,omitempty"`
	Method         string            `json:"method,omitempty"`
	Endpoint       string            `json:"endpoint,omitempty"`
	Status         int               `json:"status,omitempty"`
	Code           string            `json:"code,omitempty"`
	Message        string            `json:"message,omitempty"`
	RequestID      string            `json:"requestId,omitempty"`
	IdempotencyKey string            `json:"idempotencyKey,omitempty"`
}

// drills runs the drills against the sandbox.
type drills struct {
	o      *options
	out    io.Writer
	color  bool
	sendTo string
	tr     *http.Transport
}

// newDrills returns the drills of o's configuration, printing to out.
func newDrills(o *options, out io.Writer, color bool, sendTo string) *drills {
	if sendTo == "" {
		sendTo = "+15551234567"
	}
	return &drills{o: o, out: out, color: color, sendTo: sendTo, tr: http.DefaultTransport.(*http.Transport).Clone()}
}

// run probes for a sandbox and runs every drill; tokenOK says whether the
// doctor's token check passed (without a token nothing can be drilled).
func (d *drills) run(ctx context.Context, tokenOK bool) *drillsRun {
	defer d.tr.CloseIdleConnections()
	r := &drillsRun{Drills: []drill{}}
	if !d.o.json {
		fmt.Fprintf(d.out, "\ndrills against %s\n", d.o.base())
	}
	if !tokenOK {
		r.Detail = "skipped: no access token (see the token check)"
		d.note(r.Detail)
		return r
	}
	sandbox, why := d.probe(ctx)
	if !sandbox {
		r.Refused, r.Detail = true, why+"; the drills inject the sandbox's faults (X-RedCloud-Sandbox-Fault) and run only against `redcloud serve` in sandbox mode"
		d.note("refused: " + r.Detail)
		return r
	}
	r.Sandbox = true
	d.note(why)
	for _, do := range []func(context.Context) drill{
		d.invalidCredentials, d.expiredToken, d.invalidSendFrom, d.missingKey, d.optedOut, d.signatureFailure, d.endpointDown, d.lostAnswer,
	} {
		x := do(ctx)
		if x.Saw == nil {
			x.Saw = []saw{}
		}
		if x.Result == pass {
			r.Passed++
		} else {
			r.Failed++
		}
		r.Drills = append(r.Drills, x)
		d.print(x)
	}
	r.OK = r.Failed == 0
	if !d.o.json {
		s := fmt.Sprintf("drills: %d passed, %d failed", r.Passed, r.Failed)
		if r.OK {
			s = paint(d.color, green, s)
		} else {
			s = paint(d.color, red, s)
		}
		fmt.Fprintln(d.out, s)
	}
	return r
}

// note prints a line of the drills' narrative (human output only).
func (d *drills) note(s string) {
	if !d.o.json {
		fmt.Fprintln(d.out, "      "+s)
	}
}

// print prints one drill for humans.
func (d *drills) print(x drill) {
	if d.o.json {
		return
	}
	label := strings.ToUpper(x.Result)
	fmt.Fprintf(d.out, "%s  %s\n", paint(d.color, statusColor(label), fmt.Sprintf("%-4s", label)), x.Name)
	for _, s := range x.Saw {
		fmt.Fprintf(d.out, "      saw  %s\n", sawText(s))
	}
	fmt.Fprintf(d.out, "      did  %s\n", x.Did)
	if x.Detail != "" {
		fmt.Fprintf(d.out, "      %s\n", paint(d.color, red, "expected otherwise: "+x.Detail))
	}
}

// sawText renders what the client saw in one line.
func sawText(s saw) string {
	var b strings.Builder
	switch s.Shape {
	case "oauth":
		b.WriteString("OAuth token error")
	case "api":
		b.WriteString("CORE API error")
	case "transport":
		b.WriteString("transport failure")
	case "webhook":
		b.WriteString("webhook receiver")
	default:
		b.WriteString(s.Shape)
	}
	if s.Method != "" {
		b.WriteString(" on " + s.Method + " " + s.Endpoint)
	}
	if s.Status != 0 {
		fmt.Fprintf(&b, ": %d", s.Status)
		if s.Code != "" {
			b.WriteString(" " + s.Code)
		}
	}
	if s.Message != "" {
		b.WriteString(" (" + s.Message + ")")
	}
	if s.Category != "" {
		b.WriteString(" — " + string(s.Category))
	}
	if s.RequestID != "" {
		b.WriteString(", requestId " + s.RequestID)
	}
	if s.IdempotencyKey != "" {
		b.WriteString(", key " + s.IdempotencyKey)
	}
	return b.String()
}

// client returns a client whose transport injects plan's faults; secret,
// when not empty, replaces the configured client secret.
func (d *drills) client(plan map[string][]string, secret string) (*redcloud.Client, *faultTransport, error) {
	ft := newFaultTransport(d.tr, plan)
	cfg := d.o.config(httpClient(ft))
	if secret != "" {
		cfg.ClientSecret = secret
	}
	c, err := redcloud.NewClient(cfg)
	return c, ft, err
}

// probe tells whether the server is a sandbox: PUT /api/sandbox/webhooks
// with an empty body is refused 400 by a sandbox (the route exists; nothing
// changes) and 404 by any other server.
func (d *drills) probe(ctx context.Context) (bool, string) {
	c, _, err := d.client(nil, "")
	if err != nil {
		return false, err.Error()
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return false, "no access token: " + redcloud.Explain(err)
	}
	status, _, err := d.raw(ctx, http.MethodPut, redcloud.PathSandboxWebhooks, tok.AccessToken, []byte(`{}`), "")
	switch {
	case err != nil:
		return false, "probing PUT /api/sandbox/webhooks failed: " + err.Error()
	case status == http.StatusBadRequest:
		return true, "sandbox: PUT /api/sandbox/webhooks exists (probed with an empty body, which changes nothing)"
	case status == http.StatusNotFound:
		return false, d.o.base() + " is not a sandbox server (PUT /api/sandbox/webhooks answered 404)"
	}
	return false, fmt.Sprintf("%s is not a sandbox server (PUT /api/sandbox/webhooks answered %d)", d.o.base(), status)
}

// raw sends one request without the client: for what the client never does.
func (d *drills) raw(ctx context.Context, method, path, token string, body []byte, key string) (int, *exchange, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(d.o.base(), "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set(redcloud.HeaderIdempotencyKey, key)
	}
	res, err := httpClient(d.tr).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	x := &exchange{Method: method, Route: path, Status: res.StatusCode, RequestID: res.Header.Get(redcloud.HeaderRequestID)}
	x.Code, x.Message = errorCode(b)
	return res.StatusCode, x, nil
}

// sawErr is what the client saw in err, from its escalation package.
func sawErr(err error) saw {
	p := redcloud.Escalation(err)
	s := saw{Shape: p.Shape, Category: p.Category, Method: p.Method, Endpoint: p.Endpoint, Status: p.Status, Code: p.Code,
		RequestID: p.RequestID, IdempotencyKey: p.IdempotencyKey}
	var oe *redcloud.OAuthError
	var ae *redcloud.APIError
	var te *redcloud.TransportError
	switch {
	case errors.As(err, &oe):
		s.Message = oe.Description
	case errors.As(err, &ae):
		s.Message = ae.Message
	case errors.As(err, &te):
		s.Message = te.Err.Error()
	}
	return s
}

// sawExchange is what went over the wire in x, classified as the client
// classifies it.
func sawExchange(x exchange) saw {
	s := saw{Shape: "api", Method: x.Method, Endpoint: x.Route, Status: x.Status, Code: x.Code, Message: x.Message,
		RequestID: x.RequestID, IdempotencyKey: x.Key}
	switch {
	case x.Err != "":
		s.Shape, s.Message, s.Category = "transport", x.Err+" (the request may have been processed)", redcloud.Transient
	case x.Route == routeToken:
		s.Shape = "oauth"
		s.Category = redcloud.Classify(&redcloud.OAuthError{StatusCode: x.Status, Code: x.Code})
	default:
		s.Category = redcloud.Classify(&redcloud.APIError{StatusCode: x.Status, Code: x.Code})
	}
	return s
}

// drillFailed returns x marked failed with why.
func drillFailed(x drill, format string, args ...any) drill {
	x.Result, x.Detail = fail, fmt.Sprintf(format, args...)
	return x
}

// invalidCredentials: a wrong client secret is refused invalid_client and
// never retried.
func (d *drills) invalidCredentials(ctx context.Context) drill {
	x := drill{Name: "invalid credentials", Result: pass}
	c, ft, err := d.client(nil, "drill-wrong-secret")
	if err != nil {
		return drillFailed(x, "client: %v", err)
	}
	_, err = c.Token(ctx)
	n := len(ft.exchanges(routeToken))
	x.Did = fmt.Sprintf("stopped after %d attempt%s: invalid credentials are never retried; action %s — fix the client id or secret "+
		"(RC_CLIENT_ID, RC_CLIENT_SECRET)", n, plural(n), redcloud.Advise(err))
	if err == nil {
		x.Did = "got a token with a wrong secret"
		return drillFailed(x, "the token route accepted a wrong secret")
	}
	x.Saw = []saw{sawErr(err)}
	var oe *redcloud.OAuthError
	if !errors.As(err, &oe) || oe.Code != redcloud.OAuthInvalidClient || redcloud.Classify(err) != redcloud.Authentication || n != 1 {
		return drillFailed(x, "an OAuth invalid_client (authentication) after exactly 1 attempt; got %v after %d", err, n)
	}
	return x
}

// expiredToken: a 401 on a CORE call makes the client refresh the token
// once and retry once.
func (d *drills) expiredToken(ctx context.Context) drill {
	x := drill{Name: "expired token", Result: pass}
	c, ft, err := d.client(map[string][]string{routeWhoAmI: {"unauthorized"}}, "")
	if err != nil {
		return drillFailed(x, "client: %v", err)
	}
	_, err = c.WhoAmI(ctx)
	calls, toks := ft.exchanges(routeWhoAmI), ft.exchanges(routeToken)
	if len(calls) > 0 {
		x.Saw = []saw{sawExchange(calls[0])}
	}
	last := "no answer"
	if n := len(calls); n > 0 {
		last = fmt.Sprint(calls[n-1].Status)
	}
	x.Did = fmt.Sprintf("fetched a new token (%d token requests in all) and retried once: %s — refresh once, retry once, never a loop", len(toks), last)
	if err != nil || len(calls) != 2 || calls[0].Status != http.StatusUnauthorized || calls[1].Status != http.StatusOK || len(toks) != 2 {
		return drillFailed(x, "401, one refresh, then 200 (2 whoami and 2 token requests); got %d whoami and %d token requests, error %v", len(calls), len(toks), err)
	}
	return x
}

// invalidSendFrom: an E.164 number in sendFrom is a request defect, not
// retried.
func (d *drills) invalidSendFrom(ctx context.Context) drill {
	x := drill{Name: "invalid sendFrom", Result: pass}
	c, ft, err := d.client(nil, "")
	if err != nil {
		return drillFailed(x, "client: %v", err)
	}
	e164 := "+15551234567"
	if nums, err := c.Numbers(ctx); err == nil {
		if i := slices.IndexFunc(nums, func(n redcloud.Number) bool { return n.NumberID == d.o.number() }); i >= 0 {
			e164 = nums[i].E164
		}
	}
	key := redcloud.NewIdempotencyKey()
	_, err = c.Send(ctx, redcloud.SendRequest{SendFrom: e164, To: []string{d.sendTo}, MessageType: redcloud.MessageTypeSMS,
		Text: "drill: invalid sendFrom"}, redcloud.WithIdempotencyKey(key))
	n := len(ft.exchanges(routeSend))
	x.Did = fmt.Sprintf("not retried (%d attempt%s); action %s — sendFrom takes the numberId (%s), not %s; nothing was accepted under key %s",
		n, plural(n), redcloud.Advise(err), d.o.number(), e164, key)
	if err == nil {
		return drillFailed(x, "a 400 request defect; the send was accepted")
	}
	x.Saw = []saw{sawErr(err)}
	var ae *redcloud.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || ae.Details["field"] != "sendFrom" || redcloud.Classify(err) != redcloud.RequestDefect || n != 1 {
		return drillFailed(x, "400 INVALID_REQUEST on sendFrom after 1 attempt; got %v after %d", err, n)
	}
	return x
}

// missingKey: a send without Idempotency-Key is refused 400. The client
// always sends one, so the drill sends a raw request.
func (d *drills) missingKey(ctx context.Context) drill {
	x := drill{Name: "missing Idempotency-Key", Result: pass,
		Did: "sent a raw request without the header, because the client never omits it: every Send carries a key " +
			"(given, or generated once per call and reused on every retry of that call)"}
	c, _, err := d.client(nil, "")
	if err != nil {
		return drillFailed(x, "client: %v", err)
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return drillFailed(x, "a token: %v", err)
	}
	body, _ := json.Marshal(redcloud.SendRequest{SendFrom: d.o.number(), To: []string{d.sendTo}, MessageType: redcloud.MessageTypeSMS, Text: "drill: no key"})
	status, ex, err := d.raw(ctx, http.MethodPost, routeSend, tok.AccessToken, body, "")
	if err != nil {
		return drillFailed(x, "an answer: %v", err)
	}
	x.Saw = []saw{sawExchange(*ex)}
	if status != http.StatusBadRequest || ex.Code != redcloud.CodeInvalidRequest || !strings.Contains(ex.Message, "Idempotency-Key") {
		return drillFailed(x, "400 INVALID_REQUEST \"Idempotency-Key header is required\"; got %d %s %q", status, ex.Code, ex.Message)
	}
	return x
}

// optedOut: a recipient on the opt-out list (the sandbox's permanently
// opted-out magic recipient) is refused FORBIDDEN recipient_opted_out; the
// only recipient refused makes the send a 400, not retried.
func (d *drills) optedOut(ctx context.Context) drill {
	x := drill{Name: "opted-out recipient", Result: pass}
	c, ft, err := d.client(nil, "")
	if err != nil {
		return drillFailed(x, "client: %v", err)
	}
	_, err = c.Send(ctx, redcloud.SendRequest{SendFrom: d.o.number(), To: []string{redcloud.SandboxOptedOut},
		MessageType: redcloud.MessageTypeSMS, Text: "drill: opted out"})
	n := len(ft.exchanges(routeSend))
	x.Did = fmt.Sprintf("not retried (%d attempt%s); action %s — never send to a number that texted STOP: drop it from your list "+
		"(GET /api/core/opt-outs lists them); only the person's START lifts a keyword opt-out", n, plural(n), redcloud.Advise(err))
	if err == nil {
		return drillFailed(x, "a 400 with the recipient refused recipient_opted_out; the send was accepted")
	}
	x.Saw = []saw{sawErr(err)}
	var ae *redcloud.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || n != 1 ||
		!strings.Contains(fmt.Sprint(ae.Details["errors"]), redcloud.ReasonRecipientOptedOut) {
		return drillFailed(x, "400 with details.errors[].reason recipient_opted_out after 1 attempt; got %v after %d", err, n)
	}
	return x
}

// signatureFailure: a webhook signed with the wrong secret, or too old, is
// refused by webhook.Verify and answered 401 by a webhook.NewHandler
// receiver, which accepts the correctly signed copy.
func (d *drills) signatureFailure(ctx context.Context) drill {
	x := drill{Name: "webhook signature failure", Result: pass}
	secret, wrong := "whsec_drill_"+randomHex(16), "whsec_drill_wrong_"+randomHex(16)
	now := time.Now()
	body, err := webhook.Event{EventID: "evt_drill", Type: webhook.TypeDelivery, CreatedAt: now, APIClientID: d.o.id(), Sequence: 3,
		Terminal: true, MessageID: "msg_drill", NumberID: d.o.number(), From: "+15551234567", To: d.sendTo,
		MessageType: redcloud.MessageTypeSMS, Status: redcloud.MessageDelivered}.MarshalJSON()
	if err != nil {
		return drillFailed(x, "an event body: %v", err)
	}
	var handled atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return drillFailed(x, "a local receiver: %v", err)
	}
	srv := &http.Server{Handler: webhook.NewHandler([]string{secret}, func(context.Context, webhook.Event) error {
		handled.Add(1)
		return nil
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	post := func(key string, at time.Time) (int, error) {
		ts, sig := webhook.SignatureHeaders(key, at, body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ln.Addr().String()+"/webhooks", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.HeaderTimestamp, ts)
		req.Header.Set(webhook.HeaderSignature, sig)
		res, err := httpClient(d.tr).Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	good, err1 := post(secret, now)
	bad, err2 := post(wrong, now)
	old, err3 := post(secret, now.Add(-10*time.Minute))
	ts := fmt.Sprint(now.Unix())
	verr := webhook.Verify([]string{secret}, ts, webhook.Sign(wrong, ts, body), body, now, 0)
	x.Saw = []saw{
		{Shape: "webhook", Status: bad, Message: fmt.Sprintf("signed with a wrong secret: webhook.Verify says %v", verr)},
		{Shape: "webhook", Status: old, Message: "signed 10 minutes ago: outside the 300 s tolerance"},
	}
	x.Did = fmt.Sprintf("the webhook.NewHandler receiver answered %d to the wrong signature and %d to the old timestamp without calling "+
		"the event function (so Red Cloud retries), and %d to the correctly signed copy (%d event handled)", bad, old, good, handled.Load())
	if err := errors.Join(err1, err2, err3); err != nil {
		return drillFailed(x, "answers from the local receiver: %v", err)
	}
	if !errors.Is(verr, webhook.ErrSignatureMismatch) || bad != http.StatusUnauthorized || old != http.StatusUnauthorized ||
		good/100 != 2 || handled.Load() != 1 {
		return drillFailed(x, "401, 401, 2xx and one handled event; got %d, %d, %d and %d (Verify: %v)", bad, old, good, handled.Load(), verr)
	}
	return x
}

// endpointDown: 500 then 502 before any work; the client retries with
// backoff and the same key, and the third attempt is accepted.
func (d *drills) endpointDown(ctx context.Context) drill {
	x := drill{Name: "endpoint temporarily down", Result: pass}
	c, ft, err := d.client(map[string][]string{routeSend: {"server_error", "upstream_error"}}, "")
	if err != nil {
		return drillFailed(x, "client: %v", err)
	}
	key := redcloud.NewIdempotencyKey()
	res, err := c.Send(ctx, redcloud.SendRequest{SendFrom: d.o.number(), To: []string{d.sendTo}, MessageType: redcloud.MessageTypeSMS,
		Text: "drill: endpoint temporarily down", ExternalReference: "redcloud-drill"}, redcloud.WithIdempotencyKey(key))
	sends := ft.exchanges(routeSend)
	for _, s := range sends {
		if s.Status >= 400 {
			x.Saw = append(x.Saw, sawExchange(s))
		}
	}
	keys := keysOf(sends)
	if err != nil {
		x.Did = fmt.Sprintf("gave up after %d attempts: %s", len(sends), redcloud.Explain(err))
		return drillFailed(x, "accepted on the third attempt; got %v", err)
	}
	var waits []string
	for _, a := range res.Attempts[1:] {
		waits = append(waits, duration(a.Delay))
	}
	x.Did = fmt.Sprintf("retried %d times with backoff (waited %s), the same Idempotency-Key %s on all %d attempts: accepted %s",
		len(res.Attempts)-1, strings.Join(waits, ", "), strings.Join(keys, ", "), len(sends), strings.Join(res.MessageIDs(), ", "))
	if len(sends) != 3 || sends[0].Status != 500 || sends[1].Status != 502 || sends[2].Status != http.StatusAccepted || len(keys) != 1 || keys[0] != key {
		return drillFailed(x, "500, 502, then 202, all under key %s; got %d attempts with keys %v", key, len(sends), keys)
	}
	return x
}

// lostAnswer: the server commits the send and drops the connection; the
// client retries with the same key and gets the stored 202 replayed — one
// message, no duplicate.
func (d *drills) lostAnswer(ctx context.Context) drill {
	x := drill{Name: "answer lost after commit", Result: pass}
	c, ft, err := d.client(map[string][]string{routeSend: {"commit_then_drop"}}, "")
	if err != nil {
		return drillFailed(x, "client: %v", err)
	}
	key := redcloud.NewIdempotencyKey()
	res, err := c.Send(ctx, redcloud.SendRequest{SendFrom: d.o.number(), To: []string{d.sendTo}, MessageType: redcloud.MessageTypeSMS,
		Text: "drill: answer lost after commit", ExternalReference: "redcloud-drill"}, redcloud.WithIdempotencyKey(key))
	sends := ft.exchanges(routeSend)
	if len(sends) > 0 {
		x.Saw = []saw{sawExchange(sends[0])}
	}
	if err != nil {
		x.Did = fmt.Sprintf("gave up after %d attempts: %s", len(sends), redcloud.Explain(err))
		return drillFailed(x, "a replayed 202 on the retry; got %v", err)
	}
	rec, rerr := c.IdempotencyKey(ctx, key)
	var stored []string
	if rerr == nil {
		if resp, err := rec.SendResponse(); err == nil {
			for _, r := range resp.Results {
				stored = append(stored, r.MessageID)
			}
		}
	}
	keys := keysOf(sends)
	x.Did = fmt.Sprintf("retried with the same key (%s) and payload; the server replayed the stored 202 (Idempotent-Replayed: %v): "+
		"message %s accepted once, and the key's record lists %s — no duplicate", strings.Join(keys, ", "), res.Replayed,
		strings.Join(res.MessageIDs(), ", "), or(strings.Join(stored, ", ")))
	if len(sends) != 2 || sends[0].Err == "" || sends[1].Status != http.StatusAccepted || !res.Replayed || len(keys) != 1 ||
		!slices.Equal(stored, res.MessageIDs()) || len(stored) != 1 {
		return drillFailed(x, "a dropped connection, then a replayed 202 under one key with one stored message; got %d attempts, replayed %v, keys %v, stored %v",
			len(sends), res.Replayed, keys, stored)
	}
	return x
}

// keysOf returns the distinct Idempotency-Keys of xs, in order.
func keysOf(xs []exchange) []string {
	var keys []string
	for _, x := range xs {
		if !slices.Contains(keys, x.Key) {
			keys = append(keys, x.Key)
		}
	}
	return keys
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
