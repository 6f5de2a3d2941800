package redcloud_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

const htmlPage = `<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>`

// TestHTMLErrorPage: a proxy's HTML 502 without the outcome header is an
// *APIError, Transient, with the outcome unknown — retried, and for a send
// reported as ambiguous.
func TestHTMLErrorPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.intercept = func(r *http.Request, n int) (*http.Response, error) {
		if r.URL.Path == tokenPath {
			return nil, nil
		}
		return response(r, http.StatusBadGateway, "text/html", htmlPage), nil
	}
	c := e.client()
	_, err := c.WhoAmI(e.ctx)
	ae := asAPIError(t, err)
	if ae.StatusCode != 502 || ae.Code != "" || ae.Outcome != redcloud.OutcomeUnknown {
		t.Errorf("got %d %q outcome %q", ae.StatusCode, ae.Code, ae.Outcome)
	}
	if !errors.Is(err, redcloud.ErrUnexpectedResponse) {
		t.Errorf("err = %v, want it to match ErrUnexpectedResponse", err)
	}
	if !strings.Contains(ae.Message, "text/html") || !strings.Contains(ae.Message, "502 Bad Gateway") || strings.Contains(ae.Message, "<") {
		t.Errorf("Message = %q, want the content type and the page's text", ae.Message)
	}
	if redcloud.Classify(err) != redcloud.Transient || len(ae.Attempts) != redcloud.DefaultMaxAttempts {
		t.Errorf("Classify %s after %d attempts", redcloud.Classify(err), len(ae.Attempts))
	}
	if redcloud.Ambiguous(err) {
		t.Error("a GET is reported ambiguous")
	}
	_, err = c.Send(e.ctx, sms(numberID, "hi", numberE164))
	if !redcloud.Ambiguous(err) {
		t.Errorf("send behind a 502 page: err = %v, want the outcome unknown", err)
	}
}

// TestGarbledSuccess: a 2xx whose body cannot be decoded is a typed error
// (no panic, no zero value passed off as a result), Unknown, not retried.
func TestGarbledSuccess(t *testing.T) {
	t.Parallel()
	for _, garbage := range []string{"{garbage", "", "<html>ok</html>", `{"numbers": 7}`, `[1,2`} {
		t.Run(garbage, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.rec.alter = func(r *http.Request, res *http.Response) {
				if r.URL.Path != tokenPath {
					res.Body.Close()
					res.Body = io.NopCloser(strings.NewReader(garbage))
				}
			}
			c := e.client()
			nums, err := c.Numbers(e.ctx)
			if nums != nil {
				t.Errorf("Numbers = %v with err %v", nums, err)
			}
			ae := asAPIError(t, err)
			if ae.StatusCode != 200 || !errors.Is(err, redcloud.ErrUnexpectedResponse) {
				t.Errorf("got %d, err %v", ae.StatusCode, err)
			}
			if redcloud.Classify(err) != redcloud.Unknown || redcloud.Advise(err) != redcloud.Escalate {
				t.Errorf("Classify %s Advise %s", redcloud.Classify(err), redcloud.Advise(err))
			}
			if n := len(e.rec.requests(redcloud.PathNumbers)); n != 1 {
				t.Errorf("requests = %d, want 1", n)
			}
			// A garbled 202 means the send was accepted but its ids are
			// unknown: ambiguous, reconcile with the key.
			_, err = c.Send(e.ctx, sms(numberID, "hi", numberE164), redcloud.WithIdempotencyKey("idem_garbled"))
			if ae := asAPIError(t, err); ae.StatusCode != 202 || !redcloud.Ambiguous(err) {
				t.Errorf("send: err = %v, want the 202 and the outcome unknown", err)
			}
			if ids := e.messageIDsFor("idem_garbled"); len(ids) != 1 {
				t.Errorf("stored %v, want the one accepted message", ids)
			}
		})
	}
}

// TestGarbledTokenResponse: a token route answer that is not a token is an
// *OAuthError, not a token of "".
func TestGarbledTokenResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.alter = func(r *http.Request, res *http.Response) {
		res.Body.Close()
		res.Body = io.NopCloser(strings.NewReader(`{"token_type":"bearer"}`))
	}
	_, err := e.client().Token(e.ctx)
	oe := asOAuthError(t, err)
	if oe.StatusCode != 200 || !errors.Is(err, redcloud.ErrUnexpectedResponse) || redcloud.Classify(err) != redcloud.Unknown {
		t.Errorf("err = %v", err)
	}
	if n := len(e.rec.requests(tokenPath)); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

// TestOAuthErrorPage: an HTML 503 from the token route is an *OAuthError,
// Transient, retried.
func TestOAuthErrorPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.intercept = func(r *http.Request, n int) (*http.Response, error) {
		if n == 1 {
			return response(r, http.StatusServiceUnavailable, "text/html", "<h1>down</h1>"), nil
		}
		return nil, nil
	}
	if _, err := e.client().WhoAmI(e.ctx); err != nil {
		t.Fatalf("WhoAmI after one 503 page: %v", err)
	}
	if got := statusesOf(e.rec.requests(tokenPath)); len(got) != 2 || got[0] != 503 {
		t.Errorf("token statuses %v, want [503 200]", got)
	}
}
