package admin_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// TestAdminBinary runs what needs the built redcloud binary: the admin
// commands beside a running server, several admin processes on one SQLite
// file, and the error line the program prints.
func TestAdminBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; runs without -short")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "redcloud")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/redcloud")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("ClientSecretAuthenticates", func(t *testing.T) {
		t.Parallel()
		forEachDB(t, false, func(t *testing.T, c *adminCLI) { testAdminClientSecretAuthenticates(t, c, bin) })
	})
	t.Run("ConcurrentProcesses", func(t *testing.T) {
		t.Parallel()
		testAdminConcurrentProcesses(t, bin, storetest.SQLite(t))
	})
	t.Run("ErrorLine", func(t *testing.T) {
		t.Parallel()
		db := filepath.Join(t.TempDir(), "missing.db")
		r, err := runAdminBinary(bin, "admin", "client", "show", "rc_x", "--db", db)
		if err != nil {
			t.Fatal(err)
		}
		checkAdminFailure(t, r, 1, "database "+db+" does not exist", []string{"client show"})
		r, err = runAdminBinary(bin, "admin", "account", "list", "--db", "postgres://app:SECRET@127.0.0.1:1/redcloud?connect_timeout=5")
		if err != nil {
			t.Fatal(err)
		}
		checkAdminFailure(t, r, 1, "open database postgres://app:xxxxx@127.0.0.1:1/redcloud", []string{"account list"})
		if strings.Contains(r.stdout+r.stderr, "SECRET") {
			t.Errorf("the binary printed the password:\n%s%s", r.stdout, r.stderr)
		}
	})
}

// runAdminBinary runs bin with an environment cleared of REDCLOUD_*
// variables; an error means it could not run at all. It is safe to call
// from any goroutine.
func runAdminBinary(bin string, args ...string) (adminResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = cleanEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return adminResult{}, err
		}
		code = ee.ExitCode()
	}
	return adminResult{stdout: out.String(), stderr: errb.String(), code: code}, nil
}

func cleanEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "REDCLOUD_") })
}

// testAdminClientSecretAuthenticates runs the real server on the same
// database: the printed secret gets a token; after rotate-secret the old
// one does not; a suspended client gets none.
func testAdminClientSecretAuthenticates(t *testing.T, c *adminCLI, bin string) {
	cl := c.newClient(t)
	base := c.serve(t, bin)
	if status := adminTokenStatus(t, base, cl.APIClientID, cl.ClientSecret); status != http.StatusOK {
		t.Fatalf("token with the printed secret: status %d, want 200", status)
	}
	rot := adminOKJSON[struct{ ClientSecret string }](t, c, "admin", "client", "rotate-secret", cl.APIClientID)
	if status := adminTokenStatus(t, base, cl.APIClientID, cl.ClientSecret); status != http.StatusUnauthorized {
		t.Errorf("token with the old secret after rotation: status %d, want 401", status)
	}
	if status := adminTokenStatus(t, base, cl.APIClientID, rot.ClientSecret); status != http.StatusOK {
		t.Errorf("token with the new secret: status %d, want 200", status)
	}
	c.ok(t, "admin", "client", "suspend", cl.APIClientID)
	if status := adminTokenStatus(t, base, cl.APIClientID, rot.ClientSecret); status != http.StatusUnauthorized {
		t.Errorf("token for a suspended client: status %d, want 401", status)
	}
}

// serve starts `redcloud serve` on the test's database and port 0 and
// returns its base URL; it is stopped when the test ends.
func (c *adminCLI) serve(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--sandbox=false", "--db", c.db, "--addr", "127.0.0.1:0", "--console-addr", "")
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" && !sent {
				addr <- line.Addr
				sent = true
			}
		}
		if !sent {
			close(addr)
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-done // the pipe is read to its end before Wait closes it
		cmd.Wait()
	})
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("redcloud serve exited before listening")
		}
		return "http://" + a
	case <-time.After(time.Minute):
		t.Fatal("redcloud serve did not log its address")
	}
	return ""
}

// adminTokenStatus asks the server for a token and returns the status.
func adminTokenStatus(t *testing.T, base, id, secret string) int {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequest(http.MethodPost, base+"/api/auth/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	// No keep-alive: no connection goroutine outlives the test.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// testAdminConcurrentProcesses runs several admin processes on one SQLite
// file at once.
func testAdminConcurrentProcesses(t *testing.T, bin, db string) {
	if r, err := runAdminBinary(bin, "admin", "account", "create", "--name", "Acme", "--db", db); err != nil || r.code != 0 {
		t.Fatalf("account create: %v %+v", err, r)
	}
	const n = 6
	errs := make(chan string, n)
	for i := range n {
		go func() {
			r, err := runAdminBinary(bin, "admin", "number", "add", "--e164", fmt.Sprintf("+151255501%02d", i), "--db", db)
			switch {
			case err != nil:
				errs <- err.Error()
			case r.code != 0:
				errs <- r.stderr
			default:
				errs <- ""
			}
		}()
	}
	for range n {
		if e := <-errs; e != "" {
			t.Errorf("concurrent number add failed: %s", e)
		}
	}
	c := &adminCLI{db: db, sqlite: true}
	ns, err := c.open(t).ListNumbers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != n {
		t.Errorf("%d numbers stored, want %d", len(ns), n)
	}
}
