package e2e_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsoleListener: the built server serves the operator console on
// --console-addr, not on the API listener; the sandbox's operator logs in;
// a sandbox console refuses a non-loopback address.
func TestConsoleListener(t *testing.T) {
	t.Parallel()
	s := start(t, "--db", filepath.Join(t.TempDir(), "c.db"), "--console-addr", "127.0.0.1:0")
	var addr string
	for _, line := range strings.Split(s.logs.String(), "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "console listening" {
			addr = rec.Addr
		}
	}
	if addr == "" {
		t.Fatalf("no console listener in the log:\n%s", s.logs.String())
	}
	console := "http://" + addr
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(console+"/login", url.Values{"email": {"admin@sandbox.local"}, "password": {"sandbox-admin"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "rc_console" {
			session = c
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == nil || !session.HttpOnly {
		t.Fatalf("sandbox login: %d, cookie %v", res.StatusCode, session)
	}
	req, _ := http.NewRequest(http.MethodGet, console+"/clients", nil)
	req.AddCookie(session)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("console /clients: %d", res.StatusCode)
	}
	for _, p := range []string{"/login", "/clients", "/static/htmx.min.js"} {
		res, err := client.Get(s.base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("API listener %s: %d, want 404", p, res.StatusCode)
		}
	}

	out, err := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--console-addr", "0.0.0.0:0",
		"--db", filepath.Join(t.TempDir(), "x.db")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--console-addr") || !strings.Contains(string(out), "loopback") {
		t.Errorf("sandbox console on 0.0.0.0: %v %s; want refused", err, out)
	}
}
