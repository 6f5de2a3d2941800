package e2e_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	demoID     = "rc_test_client_123"
	demoSecret = "rc_secret_abc123"
)

func TestServeSandboxEndToEnd(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "redcloud.db")
	t.Setenv("REDCLOUD_DB", dbPath) // the environment equivalent of --db
	s := start(t)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.yaml"} {
		status, _, _, err := s.do("GET", path, "", nil, nil)
		if err != nil || status != 200 {
			t.Fatalf("GET %s: %d %v", path, status, err)
		}
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Fatalf("REDCLOUD_DB not used: %v", err)
	}
	tok := s.token(demoID, demoSecret)
	status, _, body, err := s.do("GET", "/api/core/whoami", tok, nil, nil)
	if err != nil || status != 200 || !strings.Contains(string(body), `"apiClientName":"Red Cloud Test Client"`) {
		t.Fatalf("whoami: %d %s %v", status, body, err)
	}
	send := map[string]any{"sendFrom": "num_abc123", "to": []string{"+15551234567"}, "messageType": "SMS", "text": "hi", "externalReference": "order_789"}
	key := map[string]string{"Idempotency-Key": "idem_order_789"}
	status, _, first, err := s.do("POST", "/api/core/messages/send", tok, send, key)
	if err != nil || status != 202 {
		t.Fatalf("send: %d %s %v", status, first, err)
	}
	status, h, again, err := s.do("POST", "/api/core/messages/send", tok, send, key)
	if err != nil || status != 202 || string(again) != string(first) || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s %v (first %s)", status, again, err, first)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("SIGTERM: exit %v\n%s", err, s.logs.String())
	}
	logs := s.logs.String()
	if !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", logs)
	}
	if strings.Contains(logs, tok) || strings.Contains(logs, demoSecret) {
		t.Errorf("the log holds a token or secret")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
	// The database survives the restart: the key still replays.
	s2 := start(t, "--db", dbPath)
	tok = s2.token(demoID, demoSecret)
	status, _, after, err := s2.do("POST", "/api/core/messages/send", tok, send, key)
	if err != nil || status != 202 || string(after) != string(first) {
		t.Fatalf("replay after restart: %d %s %v", status, after, err)
	}
}

func TestSandboxListensOnLoopbackOnly(t *testing.T) {
	out, err := exec.Command(binary, "serve", "--addr", "0.0.0.0:0", "--db", filepath.Join(t.TempDir(), "x.db")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "loopback") {
		t.Fatalf("sandbox on 0.0.0.0 should be refused: %v %s", err, out)
	}
}

func TestProductionModeSeedsNothing(t *testing.T) {
	s := start(t, "--sandbox=false", "--db", filepath.Join(t.TempDir(), "prod.db"))
	resp, err := http.PostForm(s.base+"/api/auth/token", map[string][]string{
		"grant_type": {"client_credentials"}, "client_id": {demoID}, "client_secret": {demoSecret}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("demo credentials in production mode: status %d, want 401", resp.StatusCode)
	}
	status, _, _, err := s.do("PUT", "/api/sandbox/webhooks", "", map[string]any{"deliveryUrl": nil}, nil)
	if err != nil || status != 404 {
		t.Fatalf("sandbox route in production mode: %d %v", status, err)
	}
}
