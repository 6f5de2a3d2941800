package e2e_test

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDatabaseModeGuard: a database set up by sandbox mode refuses a
// production server (its demo credentials are published) until the
// operator converts it, and the conversion revokes those credentials; a
// production database then refuses a sandbox server.
func TestDatabaseModeGuard(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "redcloud.db")
	s := start(t, "--db", dbPath)
	s.token(demoID, demoSecret)
	if err := s.stop(); err != nil {
		t.Fatalf("stop sandbox: %v", err)
	}

	refused := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--console-addr", "", "--db", dbPath}, args...)...).CombinedOutput()
		if err == nil || ctx.Err() != nil {
			t.Fatalf("serve %v on the other mode's database: err %v, want an exit with an error\n%s", args, err, out)
		}
		return string(out)
	}
	out := refused("--sandbox=false")
	if !strings.Contains(out, "sandbox mode") || !strings.Contains(out, "--change-mode") {
		t.Errorf("refusal does not name the database's mode and --change-mode:\n%s", out)
	}

	p := start(t, "--db", dbPath, "--sandbox=false", "--change-mode")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {demoID}, "client_secret": {demoSecret}}
	resp, err := http.PostForm(p.base+"/api/auth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("published demo credentials in production: status %d, want 401", resp.StatusCode)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("stop production: %v", err)
	}

	out = refused()
	if !strings.Contains(out, "production mode") {
		t.Errorf("sandbox server on a production database: refusal does not name production mode:\n%s", out)
	}
	// A worker started without --sandbox=false is a sandbox process: it
	// must not turn the webhook address guard off on production data.
	refused("--role", "worker")
}
