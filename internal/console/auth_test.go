package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pagePaths are every page of the console.
func pagePaths(e *env) []string {
	return []string{"/", "/messages", "/messages/" + e.msg.ID, "/webhooks", "/clients", "/clients/rc_a",
		"/numbers", "/numbers/num_a", "/campaigns", "/opt-outs", "/audit"}
}

// postPaths are every state-changing route, each with a form that would
// succeed for an admin.
func postPaths(e *env) map[string]url.Values {
	return map[string]url.Values{
		"/events/" + e.evt.ID + "/replay":       nil,
		"/webhooks/replay":                      {"window": {"24h"}},
		"/clients":                              {"account": {"acct_a"}, "name": {"New"}, "capabilities": {"messages:send"}},
		"/accounts":                             {"name": {"New account"}},
		"/clients/rc_a/status":                  {"status": {"SUSPENDED"}},
		"/clients/rc_a/rotate-secret":           nil,
		"/clients/rc_a/revoke-tokens":           nil,
		"/clients/rc_a/capabilities":            {"capabilities": {"numbers:read"}},
		"/clients/rc_a/webhooks":                {"deliveryUrl": {"https://a.example/d"}},
		"/clients/rc_a/rotate-webhook-secret":   nil,
		"/clients/rc_a/activate-webhook-secret": nil,
		"/numbers":                              {"e164": {"+15125550111"}, "status": {"ACTIVE"}},
		"/numbers/num_a":                        {"status": {"SUSPENDED"}},
		"/numbers/num_free/assign":              {"client": {"rc_a"}},
		"/numbers/num_a/unassign":               nil,
		"/numbers/num_a/overrides":              {"inboundOverride": {"https://a.example/in"}},
		"/opt-outs":                             {"client": {"rc_a"}, "e164": {"+15557654321"}},
		"/opt-outs/remove":                      {"client": {"rc_a"}, "e164": {"+15557654321"}, "reason": {"test"}},
		"/providers/default":                    {"provider": {"sandbox"}},
		"/providers/route":                      {"number": {"num_a"}, "provider": {"sandbox"}},
		"/logout":                               nil,
	}
}

// TestAnonymousRedirectsToLogin: without a session every page and every
// POST sends the browser to /login (a page with ?next= to come back), an
// htmx request is told to go there, and nothing changes.
func TestAnonymousRedirectsToLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range append(pagePaths(e), "/no-such-page") {
		for _, token := range []string{"", "rcs_forged", "not-a-token"} {
			r := e.do(http.MethodGet, p, token, nil)
			want := "/login"
			if p != "/" {
				want += "?next=" + url.QueryEscape(p)
			}
			if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
				t.Errorf("GET %s with token %q: %d to %q, want 303 to %q", p, token, r.status, r.header.Get("Location"), want)
			}
		}
		r := e.do(http.MethodGet, p, "", nil, "HX-Request", "true")
		if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("HX-Redirect"), "/login") {
			t.Errorf("htmx GET %s: %d, HX-Redirect %q", p, r.status, r.header.Get("HX-Redirect"))
		}
	}
	for p, form := range postPaths(e) {
		r := e.do(http.MethodPost, p, "", form, "Sec-Fetch-Site", "same-origin")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Errorf("POST %s: %d to %q, want 303 to /login", p, r.status, r.header.Get("Location"))
		}
	}
	if n := len(e.audit()); n != 0 {
		t.Errorf("%d audit entries after anonymous requests", n)
	}
}

// TestViewerReadsButChangesNothing: a viewer sees every page, without the
// forms that change things, and every POST (but logout) is refused 403
// with nothing changed.
func TestViewerReadsButChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	postForm := regexp.MustCompile(`<form[^>]*method="post"[^>]*>`)
	for _, p := range pagePaths(e) {
		body := e.get(p, viewerToken)
		for _, f := range postForm.FindAllString(body, -1) {
			if !strings.Contains(f, `action="/logout"`) {
				t.Errorf("viewer's %s shows a form that changes things: %s", p, f)
			}
		}
	}
	for p, form := range postPaths(e) {
		if p == "/logout" {
			continue
		}
		r := e.do(http.MethodPost, p, viewerToken, form, "Sec-Fetch-Site", "same-origin")
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "may look at everything but change nothing") {
			t.Errorf("viewer POST %s: %d\n%s", p, r.status, r.body)
		}
	}
	if n := len(e.audit()); n != 0 {
		t.Errorf("%d audit entries after the viewer's POSTs", n)
	}
	c, err := e.op.GetClient(e.ctx, "rc_a")
	if err != nil || c.Status != "ACTIVE" || c.DeliveryURL != nil {
		t.Errorf("rc_a changed: %+v %v", c.APIClient, err)
	}
	// Logout is the viewer's own session.
	if r := e.do(http.MethodPost, "/logout", viewerToken, nil, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusSeeOther {
		t.Errorf("viewer logout: %d", r.status)
	}
	if r := e.do(http.MethodGet, "/", viewerToken, nil); r.status != http.StatusSeeOther {
		t.Errorf("after logout: %d, want the login redirect", r.status)
	}
}

// TestCrossOriginPostRefused: an admin's browser sending a POST from
// another site (CSRF) is refused 403, by Sec-Fetch-Site or by Origin, and
// nothing changes; the same POST from the console itself works.
func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "http://evil.example"},
	} {
		for p, form := range postPaths(e) {
			r := e.do(http.MethodPost, p, adminToken, form, h...)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "cross-origin") {
				t.Errorf("POST %s with %s: %s: %d\n%s", p, h[0], h[1], r.status, r.body)
			}
		}
		// The login form too: no logging a victim in as someone else.
		r := e.do(http.MethodPost, "/login", "", url.Values{"email": {adminEmail}, "password": {"x"}}, h...)
		if r.status != http.StatusForbidden {
			t.Errorf("cross-origin login with %s: %d", h[0], r.status)
		}
	}
	if n := len(e.audit()); n != 0 {
		t.Errorf("%d audit entries after cross-origin POSTs", n)
	}
	e.post("/clients/rc_a/status", url.Values{"status": {"SUSPENDED"}}, http.StatusSeeOther)
	if c, _ := e.op.GetClient(e.ctx, "rc_a"); c.Status != "SUSPENDED" {
		t.Errorf("same-origin suspend: status %s", c.Status)
	}
}

// TestLoopbackHostOnly: a console on loopback answers only requests for a
// loopback host (DNS rebinding).
func TestLoopbackHostOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, host := range []string{"evil.example", "evil.example:80", "10.0.0.1"} {
		if r := e.do(http.MethodGet, "/login", "", nil, "Host", host); r.status != http.StatusMisdirectedRequest {
			t.Errorf("Host %s: %d, want 421", host, r.status)
		}
	}
	for _, host := range []string{"localhost:8081", "127.0.0.1", "[::1]:8081"} {
		if r := e.do(http.MethodGet, "/login", "", nil, "Host", host); r.status != http.StatusOK {
			t.Errorf("Host %s: %d, want 200", host, r.status)
		}
	}
}

// TestSecurityHeaders: every page has the strict policy and no inline
// script, style or event handler; pages are never cached.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inline := regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=|javascript:`)
	for _, p := range append(pagePaths(e), "/login") {
		r := e.do(http.MethodGet, p, adminToken, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", p, r.status)
		}
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") ||
			!strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("X-Content-Type-Options") != "nosniff" ||
			r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", p, r.header)
		}
		if m := inline.FindString(r.body); m != "" {
			t.Errorf("%s: inline script or style %q", p, m)
		}
	}
	r := e.do(http.MethodGet, "/static/htmx.min.js", "", nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "javascript") || !strings.Contains(r.body, `version:"2.0.4"`) {
		t.Errorf("htmx: %d %s", r.status, r.header.Get("Content-Type"))
	}
	r = e.do(http.MethodGet, "/static/console.css", "", nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("css: %d %s", r.status, r.header.Get("Content-Type"))
	}
}
