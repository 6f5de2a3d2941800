package redcloud_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
)

// TestEscalationPackage: a send that failed the same way on every attempt
// yields a package with the playbook's fields, in JSON and in text, with
// no secret in either.
func TestEscalationPackage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(sendPath, "upstream_error")
	_, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164), redcloud.WithIdempotencyKey("idem_escalate"))
	if err == nil {
		t.Fatal("no error")
	}
	p := redcloud.Escalation(err)
	ae := asAPIError(t, err)
	if p.Endpoint != sendPath || p.Method != "POST" || p.Status != 502 || p.Code != redcloud.CodeUpstreamError ||
		p.RequestID != ae.RequestID || !strings.HasPrefix(p.RequestID, "req_") || p.IdempotencyKey != "idem_escalate" ||
		p.Shape != "api" || p.Category != redcloud.Transient || p.Action != redcloud.Retry || p.Outcome != redcloud.OutcomeNotProcessed {
		t.Errorf("package = %+v", p)
	}
	if p.RequestTime != redcloud.NewTime(ae.RequestTime).String() || p.RequestTime == "" {
		t.Errorf("RequestTime = %q", p.RequestTime)
	}
	if len(p.Attempts) != 4 || !p.Repeated {
		t.Errorf("attempts %d repeated %v, want 4 and true", len(p.Attempts), p.Repeated)
	}
	var doc map[string]any
	if err := json.Unmarshal(p.JSON(), &doc); err != nil {
		t.Fatalf("JSON(): %v\n%s", err, p.JSON())
	}
	for _, k := range []string{"endpoint", "method", "status", "errorBody", "requestId", "requestTime", "idempotencyKey", "attempts", "repeated", "explanation"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q:\n%s", k, p.JSON())
		}
	}
	body, _ := doc["errorBody"].(map[string]any)
	if body["requestId"] != p.RequestID {
		t.Errorf("errorBody = %v, want the CORE error body", doc["errorBody"])
	}
	att := doc["attempts"].([]any)
	second := att[1].(map[string]any)
	if second["status"] != 502.0 || second["delayMs"] != 250.0 || second["reason"] != "retry after 502 UPSTREAM_ERROR" {
		t.Errorf("second attempt = %v", second)
	}
	text := p.Text()
	for _, want := range []string{"POST " + sendPath, "502 UPSTREAM_ERROR", p.RequestID, "idem_escalate", "repeated:", "yes", "attempts:", "error body (redacted):"} {
		if !strings.Contains(text, want) {
			t.Errorf("Text lacks %q:\n%s", want, text)
		}
	}
	for _, s := range []string{string(p.JSON()), text} {
		if found := leaks(s); len(found) > 0 {
			t.Errorf("package holds secrets %q", found)
		}
	}
}

// TestEscalationRedacts: secrets echoed by a misbehaving proxy are redacted
// from the error body; the client secret never appears.
func TestEscalationRedacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.intercept = func(r *http.Request, n int) (*http.Response, error) {
		if r.URL.Path == tokenPath {
			return nil, nil
		}
		echo := "upstream said: Authorization: " + r.Header.Get("Authorization") + " secret=" + clientSecret +
			` {"access_token":"rc_at_` + strings.Repeat("A", 43) + `"} whsec_abcdefghijklmnop`
		return response(r, http.StatusBadGateway, "text/plain", echo), nil
	}
	c := e.client(func(c *redcloud.Config) { c.Retry.MaxAttempts = 1 })
	_, err := c.WhoAmI(e.ctx)
	p := redcloud.Escalation(err)
	for _, s := range []string{string(p.JSON()), p.Text(), err.Error(), redcloud.Explain(err)} {
		if found := leaks(s); len(found) > 0 {
			t.Errorf("holds secrets %q:\n%s", found, s)
		}
	}
	if !strings.Contains(string(p.ErrorBody), "[REDACTED]") {
		t.Errorf("ErrorBody = %s, want redactions", p.ErrorBody)
	}
}

// TestEscalationShapes: the package of each shape, and of nil.
func TestEscalationShapes(t *testing.T) {
	t.Parallel()
	if redcloud.Escalation(nil) != nil {
		t.Error("Escalation(nil) != nil")
	}
	e := newEnv(t)
	_, err := e.client(func(c *redcloud.Config) { c.ClientSecret = wrongSecret }).Token(e.ctx)
	p := redcloud.Escalation(err)
	if p.Shape != "oauth" || p.Endpoint != tokenPath || p.Status != 401 || p.Code != redcloud.OAuthInvalidClient || p.Repeated {
		t.Errorf("oauth package = %+v", p)
	}
	_, err = e.client().Message(e.ctx, "msg_01jdunknown")
	if p := redcloud.Escalation(err); p.Shape != "api" || len(p.MessageIDs) != 1 || p.MessageIDs[0] != "msg_01jdunknown" {
		t.Errorf("message package = %+v", p)
	}
	kr := &redcloud.KeyReuseError{Key: "k", FirstUsed: time.Now()}
	if p := redcloud.Escalation(kr); p.Shape != "local" || p.IdempotencyKey != "k" || p.Category != redcloud.Conflict {
		t.Errorf("local package = %+v", p)
	}
}
