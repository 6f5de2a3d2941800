package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/httpapi"
)

// TestLoopbackHostsOnly: a loopback sandbox answers only requests whose
// Host names loopback, so a page that rebinds its own DNS name to
// 127.0.0.1 cannot use the published demo credentials through a browser.
func TestLoopbackHostsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.LoopbackHostsOnly = true })
	port := e.url[strings.LastIndex(e.url, ":"):]
	for _, tt := range []struct {
		host string
		want int
	}{
		{"attacker.example" + port, http.StatusMisdirectedRequest},
		{"attacker.example", http.StatusMisdirectedRequest},
		{"127.0.0.1.nip.io" + port, http.StatusMisdirectedRequest},
		{"10.0.0.1" + port, http.StatusMisdirectedRequest},
		{"localhost.attacker.example" + port, http.StatusMisdirectedRequest},
		{"127.0.0.1" + port, http.StatusOK},
		{"localhost" + port, http.StatusOK},
		{"LOCALHOST" + port, http.StatusOK},
		{"api.localhost" + port, http.StatusOK},
		{"[::1]" + port, http.StatusOK},
		{"127.0.0.2", http.StatusOK},
	} {
		for _, path := range []string{"/healthz", "/api/auth/token"} {
			req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
			req.Host = tt.host
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			want := tt.want
			if want == http.StatusOK && path == "/api/auth/token" {
				want = http.StatusMethodNotAllowed // reached the route
			}
			if res.StatusCode != want {
				t.Errorf("GET %s with Host %q: %d, want %d", path, tt.host, res.StatusCode, want)
			}
		}
	}
}

// TestNoSniff: every answer forbids content sniffing.
func TestNoSniff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, path := range []string{"/healthz", "/openapi.yaml", "/api/core/whoami", "/nope"} {
		res, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q, want nosniff", path, got)
		}
	}
}
