package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/redcloud-core/redcloud"
)

// faultTransport is the drills' http.RoundTripper: it adds the sandbox's
// X-RedCloud-Sandbox-Fault header to chosen attempts of chosen routes and
// records every exchange, so that a drill can show what went over the wire
// (status, code, requestId, the Idempotency-Key of every attempt).
type faultTransport struct {
	next http.RoundTripper

	mu     sync.Mutex
	plan   map[string][]string // route (path suffix) → fault of attempt n at index n-1, "" for none
	counts map[string]int
	log    []exchange
}

// faultRoutes are the routes a plan may name.
var faultRoutes = []string{redcloud.PathToken, redcloud.PathWhoAmI, redcloud.PathNumbers, redcloud.PathMessagesSend}

// exchange is one request the transport passed on.
type exchange struct {
	Method    string
	Route     string
	Fault     string
	Key       string // Idempotency-Key
	Status    int    // 0 when no response arrived
	Code      string // CORE code or OAuth error of an error response
	Message   string
	RequestID string
	Err       string
}

// newFaultTransport returns a transport over next; plan maps a route (one
// of faultRoutes) to the faults of its first attempts.
func newFaultTransport(next http.RoundTripper, plan map[string][]string) *faultTransport {
	return &faultTransport{next: next, plan: plan, counts: map[string]int{}}
}

// RoundTrip adds the planned fault, passes the request on and records it.
func (t *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	route := r.URL.Path
	for _, p := range faultRoutes {
		if strings.HasSuffix(r.URL.Path, p) { // the base URL may have a path prefix
			route = p
		}
	}
	t.mu.Lock()
	t.counts[route]++
	n := t.counts[route]
	fault := ""
	if faults := t.plan[route]; n <= len(faults) {
		fault = faults[n-1]
	}
	t.mu.Unlock()
	if fault != "" {
		r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
		r.Header.Set(redcloud.HeaderSandboxFault, fault)
	}
	x := exchange{Method: r.Method, Route: route, Fault: fault, Key: r.Header.Get(redcloud.HeaderIdempotencyKey)}
	res, err := t.next.RoundTrip(r)
	if err != nil {
		x.Err = err.Error()
	} else {
		x.Status, x.RequestID = res.StatusCode, res.Header.Get(redcloud.HeaderRequestID)
		if res.StatusCode >= 400 {
			b, rerr := io.ReadAll(io.LimitReader(res.Body, 64<<10))
			res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(b))
			if rerr == nil {
				x.Code, x.Message = errorCode(b)
			}
		}
	}
	t.mu.Lock()
	t.log = append(t.log, x)
	t.mu.Unlock()
	return res, err
}

// exchanges returns the recorded exchanges of route.
func (t *faultTransport) exchanges(route string) []exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []exchange
	for _, x := range t.log {
		if x.Route == route {
			out = append(out, x)
		}
	}
	return out
}

// errorCode reads the code and message of an error body in either
// documented shape: the CORE wrapper or the OAuth error.
func errorCode(b []byte) (code, message string) {
	var core redcloud.ErrorBody
	if json.Unmarshal(b, &core) == nil && core.Error.Code != "" {
		return core.Error.Code, core.Error.Message
	}
	var oauth redcloud.OAuthErrorBody
	if json.Unmarshal(b, &oauth) == nil && oauth.Error != "" {
		return oauth.Error, oauth.ErrorDescription
	}
	return "", ""
}
