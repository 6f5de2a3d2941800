package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/console"
	"github.com/redcloud-core/redcloud/internal/operator"
)

// TestLogin: the form's fields are email and password; a wrong password is
// refused without saying which half was wrong; the right one sets an
// HttpOnly, SameSite=Lax cookie and goes to the page asked for (never to
// another site); logout ends the session.
func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const pw = "correct horse battery"
	if _, _, err := e.op.AddOperator(e.ctx, operator.OperatorInput{Email: "lee@example.com", Role: operator.RoleViewer, Password: pw}); err != nil {
		t.Fatal(err)
	}
	page := e.get("/login?next=/audit", "")
	for _, want := range []string{`name="email"`, `name="password"`, `type="password"`, `action="/login"`, `value="/audit"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	r := e.do(http.MethodPost, "/login", "", url.Values{"email": {"lee@example.com"}, "password": {"wrong password"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "wrong email or password") || r.header.Get("Set-Cookie") != "" {
		t.Errorf("wrong password: %d %q", r.status, r.header.Get("Set-Cookie"))
	}
	for next, want := range map[string]string{"/audit": "/audit", "https://evil.example/": "/", "//evil.example": "/", "": "/"} {
		r = e.do(http.MethodPost, "/login", "", url.Values{"email": {"Lee@Example.com"}, "password": {pw}, "next": {next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != want {
			t.Errorf("login with next %q: %d to %q, want %q", next, r.status, r.header.Get("Location"), want)
		}
	}
	ck := r.header.Get("Set-Cookie")
	for _, want := range []string{"rc_console=rcs_", "HttpOnly", "SameSite=Lax", "Path=/", "Expires="} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Secure") {
		t.Errorf("cookie %q is Secure over plain HTTP", ck)
	}
	token := strings.TrimPrefix(strings.Split(ck, ";")[0], "rc_console=")
	if body := e.get("/", token); !strings.Contains(body, "lee@example.com · viewer") {
		t.Error("the overview does not name the operator")
	}
	if r := e.do(http.MethodPost, "/logout", token, nil); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d %q", r.status, r.header.Get("Set-Cookie"))
	}
	if r := e.do(http.MethodGet, "/", token, nil); r.status != http.StatusSeeOther {
		t.Errorf("after logout: %d", r.status)
	}
}

// TestLoginThrottle: ten failures from one address for one email, and the
// eleventh attempt is refused 429 with Retry-After, the right password too.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const pw = "correct horse battery"
	if _, _, err := e.op.AddOperator(e.ctx, operator.OperatorInput{Email: "lee@example.com", Role: operator.RoleViewer, Password: pw}); err != nil {
		t.Fatal(err)
	}
	for range operator.LoginFailureLimit {
		if r := e.do(http.MethodPost, "/login", "", url.Values{"email": {"lee@example.com"}, "password": {"guess"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("failure: %d", r.status)
		}
	}
	r := e.do(http.MethodPost, "/login", "", url.Values{"email": {"lee@example.com"}, "password": {pw}})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "too many failed logins") {
		t.Errorf("after %d failures: %d %q", operator.LoginFailureLimit, r.status, r.header.Get("Retry-After"))
	}
}

// TestSecureCookieOverTLS: served over TLS, the session cookie is Secure.
func TestSecureCookieOverTLS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, _, err := e.op.AddOperator(e.ctx, operator.OperatorInput{Email: "lee@example.com", Role: operator.RoleViewer, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Config{Operator: e.op})
	must(t, err)
	srv := httptest.NewTLSServer(c)
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.PostForm(srv.URL+"/login", url.Values{"email": {"lee@example.com"}, "password": {"correct horse battery"}})
	must(t, err)
	res.Body.Close()
	if ck := res.Header.Get("Set-Cookie"); res.StatusCode != http.StatusSeeOther || !strings.Contains(ck, "; Secure") {
		t.Errorf("over TLS: %d, cookie %q", res.StatusCode, ck)
	}
}
