package redcloud_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
)

// TestPlaybookExamples produces each example of the playbook's decision
// model against the real server and checks that it lands in the playbook's
// category with the playbook's action, retried only when the playbook says
// so.
func TestPlaybookExamples(t *testing.T) {
	cases := []struct {
		name     string
		run      func(e *env) error
		category redcloud.Category
		action   redcloud.Action
		// requests is how many requests the call may make to path in all
		// (token requests not counted unless path is the token route).
		path     string
		requests int
		check    func(t *testing.T, e *env, err error)
	}{
		// Category A: request-construction defects.
		{
			name: "malformed JSON", path: sendPath, requests: 1,
			category: redcloud.RequestDefect, action: redcloud.FixRequest,
			run: func(e *env) error {
				e.rec.rewrite = func(r *http.Request) {
					if r.URL.Path == sendPath {
						const broken = `{"sendFrom":`
						r.Body, r.ContentLength = io.NopCloser(strings.NewReader(broken)), int64(len(broken))
					}
				}
				_, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164))
				return err
			},
		},
		{
			name: "missing Idempotency-Key", path: sendPath, requests: 1,
			category: redcloud.RequestDefect, action: redcloud.FixRequest,
			run: func(e *env) error {
				e.rec.rewrite = func(r *http.Request) { r.Header.Del(redcloud.HeaderIdempotencyKey) }
				_, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				ae := asAPIError(t, err)
				if ae.StatusCode != 400 || ae.Message != "Idempotency-Key header is required" || ae.Outcome != redcloud.OutcomeNotProcessed {
					t.Errorf("got %d %q outcome %q", ae.StatusCode, ae.Message, ae.Outcome)
				}
			},
		},
		{
			name: "invalid E.164 value", path: sendPath, requests: 1,
			category: redcloud.RequestDefect, action: redcloud.FixRequest,
			run: func(e *env) error {
				_, err := e.client().Send(e.ctx, sms(numberID, "hi", "15551234567"))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				rejected := asAPIError(t, err).RecipientErrors()
				if len(rejected) != 1 || rejected[0].To != "15551234567" || rejected[0].Index != 0 {
					t.Errorf("RecipientErrors = %+v, want the one invalid recipient", rejected)
				}
			},
		},
		{
			name: "E.164 instead of numberId in sendFrom", path: sendPath, requests: 1,
			category: redcloud.RequestDefect, action: redcloud.FixRequest,
			run: func(e *env) error {
				_, err := e.client().Send(e.ctx, sms(numberE164, "hi", numberE164))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				if ae := asAPIError(t, err); ae.Details["field"] != "sendFrom" {
					t.Errorf("details = %v, want field sendFrom", ae.Details)
				}
			},
		},
		// Category B: authentication.
		{
			name: "invalid client credentials", path: tokenPath, requests: 1,
			category: redcloud.Authentication, action: redcloud.RefreshCredentials,
			run: func(e *env) error {
				_, err := e.client(func(c *redcloud.Config) { c.ClientSecret = wrongSecret }).WhoAmI(e.ctx)
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				oe := asOAuthError(t, err)
				if oe.StatusCode != 401 || oe.Code != redcloud.OAuthInvalidClient {
					t.Errorf("got %d %q, want 401 invalid_client", oe.StatusCode, oe.Code)
				}
			},
		},
		{
			name: "expired bearer token", path: redcloud.PathWhoAmI, requests: 2,
			category: redcloud.Authentication, action: redcloud.RefreshCredentials,
			run: func(e *env) error {
				e.faultOn(redcloud.PathWhoAmI, "unauthorized")
				_, err := e.client().WhoAmI(e.ctx)
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				if ae := asAPIError(t, err); ae.StatusCode != 401 || ae.Code != redcloud.CodeUnauthorized {
					t.Errorf("got %d %s, want 401 UNAUTHORIZED", ae.StatusCode, ae.Code)
				}
			},
		},
		{
			name: "malformed bearer token", path: redcloud.PathWhoAmI, requests: 2,
			category: redcloud.Authentication, action: redcloud.RefreshCredentials,
			run: func(e *env) error {
				e.rec.rewrite = func(r *http.Request) {
					if r.URL.Path != tokenPath {
						r.Header.Set("Authorization", "Bearer not a token")
					}
				}
				_, err := e.client().WhoAmI(e.ctx)
				return err
			},
		},
		{
			name: "API client suspended", path: tokenPath, requests: 2,
			category: redcloud.Authentication, action: redcloud.RefreshCredentials,
			run: func(e *env) error {
				c := e.client()
				if _, err := c.WhoAmI(e.ctx); err != nil {
					return err
				}
				if err := e.db.SetAPIClientStatus(e.ctx, clientID, redcloud.StatusSuspended); err != nil {
					e.t.Fatal(err)
				}
				_, err := c.WhoAmI(e.ctx)
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				// The CORE 401 made the client refresh once; the token route
				// then refused the suspended client.
				oe := asOAuthError(t, err)
				if oe.Code != redcloud.OAuthInvalidClient || oe.Description != "API client is not active" {
					t.Errorf("got %s %q", oe.Code, oe.Description)
				}
				if n := len(e.rec.requests(redcloud.PathWhoAmI)); n != 2 {
					t.Errorf("whoami requests = %d, want 2 (one before, one refused after suspension)", n)
				}
			},
		},
		// Category C: authorization or ownership.
		{
			name: "sendFrom not owned by this API client", path: sendPath, requests: 1,
			category: redcloud.Authorization, action: redcloud.FixAccountConfiguration,
			run: func(e *env) error {
				_, err := e.client().Send(e.ctx, sms(otherNumber, "hi", numberE164))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				if ae := asAPIError(t, err); ae.StatusCode != 403 || ae.Message != "sendFrom is not owned by this API client" {
					t.Errorf("got %d %q", ae.StatusCode, ae.Message)
				}
			},
		},
		{
			name: "number of another client context", path: pathOf(redcloud.PathNumber, otherNumber), requests: 1,
			category: redcloud.Authorization, action: redcloud.FixAccountConfiguration,
			run: func(e *env) error {
				_, err := e.client().UpdateNumber(e.ctx, otherNumber, redcloud.NumberUpdate{CampaignRegID: redcloud.SetTo("X1")})
				return err
			},
		},
		{
			name: "missing capability", path: redcloud.PathNumbers, requests: 1,
			category: redcloud.Authorization, action: redcloud.FixAccountConfiguration,
			run: func(e *env) error {
				if err := e.db.SetCapabilities(e.ctx, clientID, []string{redcloud.CapMessagesSend}); err != nil {
					e.t.Fatal(err)
				}
				_, err := e.client().Numbers(e.ctx)
				return err
			},
		},
		// Category D: transient.
		{
			name: "500 SERVER_ERROR", path: sendPath, requests: 4,
			category: redcloud.Transient, action: redcloud.Retry,
			run: func(e *env) error {
				e.faultOn(sendPath, "server_error")
				_, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				if ae := asAPIError(t, err); ae.StatusCode != 500 || ae.Code != redcloud.CodeServerError || ae.Outcome != redcloud.OutcomeNotProcessed {
					t.Errorf("got %d %s outcome %s", ae.StatusCode, ae.Code, ae.Outcome)
				}
				if redcloud.Ambiguous(err) {
					t.Errorf("a 500 with not_processed is reported ambiguous: %v", err)
				}
			},
		},
		{
			name: "502 UPSTREAM_ERROR", path: sendPath, requests: 4,
			category: redcloud.Transient, action: redcloud.Retry,
			run: func(e *env) error {
				e.faultOn(sendPath, "upstream_error")
				_, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				if ae := asAPIError(t, err); ae.StatusCode != 502 || ae.Code != redcloud.CodeUpstreamError {
					t.Errorf("got %d %s", ae.StatusCode, ae.Code)
				}
			},
		},
		{
			name: "network timeout with ambiguous outcome", path: sendPath, requests: 2,
			category: redcloud.Transient, action: redcloud.Retry,
			run: func(e *env) error {
				e.faultOn(sendPath, "delay_ms=5000")
				c := e.client(func(c *redcloud.Config) {
					c.HTTPClient.Timeout = 300 * time.Millisecond
					c.Retry.MaxAttempts = 2
				})
				if _, err := c.Token(e.ctx); err != nil { // not under the short timeout's pressure
					return err
				}
				_, err := c.Send(e.ctx, sms(numberID, "hi", numberE164), redcloud.WithIdempotencyKey("idem_timeout"))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				var te *redcloud.TransportError
				if !errors.As(err, &te) || !te.MaybeProcessed || !te.Timeout() {
					t.Fatalf("error %v: want a *TransportError, timeout, MaybeProcessed", err)
				}
				if !redcloud.Ambiguous(err) || !strings.Contains(err.Error(), `IdempotencyKey(ctx, "idem_timeout")`) {
					t.Errorf("error %q does not say the outcome is unknown and how to reconcile", err)
				}
				// It was in fact committed (delay_ms commits first): one set.
				if ids := e.messageIDsFor("idem_timeout"); len(ids) != 1 {
					t.Errorf("messages under the key = %v, want exactly one", ids)
				}
			},
		},
		// Conflict, not found, rate limited.
		{
			name: "same key reused with changed payload", path: sendPath, requests: 2,
			category: redcloud.Conflict, action: redcloud.FixRequest,
			run: func(e *env) error {
				// Two clients: each has its own local guard, so the second
				// reaches the server, which answers 409.
				if _, err := e.client().Send(e.ctx, sms(numberID, "first", numberE164), redcloud.WithIdempotencyKey("idem_conflict")); err != nil {
					return err
				}
				_, err := e.client().Send(e.ctx, sms(numberID, "changed", numberE164), redcloud.WithIdempotencyKey("idem_conflict"))
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				ae := asAPIError(t, err)
				if ae.StatusCode != 409 || ae.Details["reason"] != "payload_mismatch" || len(ae.Attempts) != 1 {
					t.Errorf("got %d %v after %d attempts, want one 409 payload_mismatch", ae.StatusCode, ae.Details, len(ae.Attempts))
				}
			},
		},
		{
			name: "unknown message", path: pathOf(redcloud.PathMessage, "msg_unknown"), requests: 1,
			category: redcloud.NotFound, action: redcloud.FixRequest,
			run: func(e *env) error {
				_, err := e.client().Message(e.ctx, "msg_unknown")
				return err
			},
		},
		{
			name: "unknown idempotency key", path: pathOf(redcloud.PathIdempotencyKey, "never_used"), requests: 1,
			category: redcloud.NotFound, action: redcloud.FixRequest,
			run: func(e *env) error {
				_, err := e.client().IdempotencyKey(e.ctx, "never_used")
				return err
			},
		},
		{
			name: "429 RATE_LIMITED", path: redcloud.PathNumbers, requests: 4,
			category: redcloud.RateLimited, action: redcloud.Retry,
			run: func(e *env) error {
				e.faultOn(redcloud.PathNumbers, "rate_limited")
				_, err := e.client().Numbers(e.ctx)
				return err
			},
			check: func(t *testing.T, e *env, err error) {
				if ae := asAPIError(t, err); ae.RetryAfter != time.Second {
					t.Errorf("RetryAfter = %v, want 1s", ae.RetryAfter)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			err := tc.run(e)
			if err == nil {
				t.Fatal("no error")
			}
			if got := redcloud.Classify(err); got != tc.category {
				t.Errorf("Classify = %s, want %s (error %v)", got, tc.category, err)
			}
			if got := redcloud.Advise(err); got != tc.action {
				t.Errorf("Advise = %s, want %s", got, tc.action)
			}
			if ex := redcloud.Explain(err); !strings.HasPrefix(ex, strings.ReplaceAll(string(tc.category), "_", " ")+": ") {
				t.Errorf("Explain = %q, want it to start with the category", ex)
			}
			if n := len(e.rec.requests(tc.path)); n != tc.requests {
				t.Errorf("requests to %s = %d, want %d", tc.path, n, tc.requests)
			}
			if tc.check != nil {
				tc.check(t, e, err)
			}
		})
	}
}

// TestClassifyWithoutServer covers what the server never sends: nil,
// foreign errors, undocumented statuses, wrapping.
func TestClassifyWithoutServer(t *testing.T) {
	cases := []struct {
		err  error
		want redcloud.Category
		act  redcloud.Action
	}{
		{nil, redcloud.Unknown, ""},
		{errors.New("boom"), redcloud.Unknown, redcloud.Escalate},
		{context.Canceled, redcloud.Unknown, redcloud.Escalate},
		{&redcloud.APIError{StatusCode: 503}, redcloud.Transient, redcloud.Retry},
		{&redcloud.APIError{StatusCode: 413, Code: redcloud.CodeInvalidRequest}, redcloud.RequestDefect, redcloud.FixRequest},
		{&redcloud.APIError{StatusCode: 405}, redcloud.RequestDefect, redcloud.FixRequest},
		{&redcloud.APIError{StatusCode: 404}, redcloud.NotFound, redcloud.FixRequest},
		{&redcloud.APIError{StatusCode: 200}, redcloud.Unknown, redcloud.Escalate},
		{&redcloud.APIError{StatusCode: 302}, redcloud.Unknown, redcloud.Escalate},
		{&redcloud.OAuthError{StatusCode: 429, Code: redcloud.OAuthTemporarilyUnavailable}, redcloud.RateLimited, redcloud.Retry},
		{&redcloud.OAuthError{StatusCode: 503, Code: redcloud.OAuthTemporarilyUnavailable}, redcloud.Transient, redcloud.Retry},
		{&redcloud.OAuthError{StatusCode: 400, Code: redcloud.OAuthUnsupportedGrantType}, redcloud.RequestDefect, redcloud.FixRequest},
		{&redcloud.OAuthError{StatusCode: 502}, redcloud.Transient, redcloud.Retry},
		{&redcloud.TransportError{Err: errors.New("reset")}, redcloud.Transient, redcloud.Retry},
		{&redcloud.KeyReuseError{Key: "k"}, redcloud.Conflict, redcloud.FixRequest},
		{&redcloud.ValidationError{Field: "f"}, redcloud.RequestDefect, redcloud.FixRequest},
		{&redcloud.RetryAfterError{RetryAfter: time.Minute, Err: &redcloud.APIError{StatusCode: 429, Code: redcloud.CodeRateLimited}}, redcloud.RateLimited, redcloud.Retry},
		{fmt.Errorf("place order: %w", &redcloud.APIError{StatusCode: 403, Code: redcloud.CodeForbidden}), redcloud.Authorization, redcloud.FixAccountConfiguration},
	}
	for _, tc := range cases {
		if got := redcloud.Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %s, want %s", tc.err, got, tc.want)
		}
		if got := redcloud.Advise(tc.err); got != tc.act {
			t.Errorf("Advise(%v) = %s, want %s", tc.err, got, tc.act)
		}
		if tc.err != nil && redcloud.Explain(tc.err) == "" {
			t.Errorf("Explain(%v) is empty", tc.err)
		}
	}
}
