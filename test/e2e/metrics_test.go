package e2e_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsAddr: with --metrics-addr, /metrics is served on that
// listener only; the API listener answers 404 for it.
func TestMetricsAddr(t *testing.T) {
	s := start(t, "--db", filepath.Join(t.TempDir(), "m.db"), "--metrics-addr", "127.0.0.1:0")
	var addr string
	for _, line := range strings.Split(s.logs.String(), "\n") {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "metrics listening" {
			addr = rec.Addr
		}
	}
	if addr == "" {
		t.Fatalf("no metrics listener in the log:\n%s", s.logs.String())
	}
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("http://" + addr + "/metrics"); code != 200 || !strings.Contains(body, "redcloud_queue_messages") {
		t.Errorf("metrics listener: %d, queue gauge present %v", code, strings.Contains(body, "redcloud_queue_messages"))
	}
	if code, _ := get(s.base + "/metrics"); code != 404 {
		t.Errorf("API listener /metrics with --metrics-addr: %d, want 404", code)
	}
}
