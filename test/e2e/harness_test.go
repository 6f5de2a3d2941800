package e2e_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// Every test here needs the binary, and building it alone takes
		// longer than the whole -short loop may.
		fmt.Println("skipping test/e2e: -short, and every test builds and runs the redcloud binary")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "redcloud-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "redcloud")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/redcloud")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build redcloud:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running redcloud serve process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs `redcloud serve` on port 0 with args and waits for its address.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	// No console: its default port would be shared by the tests' servers.
	cmd.Env = append(os.Environ(), "REDCLOUD_RATE_LIMIT=0", "REDCLOUD_TOKEN_RATE_LIMIT=0", "REDCLOUD_CONSOLE_ADDR=")
	s := &server{t: t, cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	// A Writer rather than StderrPipe: Wait then returns only after every
	// line is copied, so a killed process's last lines are not lost.
	cmd.Stderr = &lineWriter{onLine: func(line string) {
		s.logs.Write([]byte(line + "\n"))
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
			addr <- rec.Addr
		}
	}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case err := <-s.done:
		t.Fatalf("redcloud serve exited early: %v\n%s", err, s.logs.String())
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("redcloud serve did not start within a minute\n%s", s.logs.String())
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// lineWriter calls onLine for every complete line written to it.
type lineWriter struct {
	buf    []byte
	onLine func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.onLine(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// kill sends SIGKILL and waits for the process to die.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop sends SIGTERM and returns the exit error.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return fmt.Errorf("no exit within 30s after SIGTERM")
	}
}

// token gets an access token for the sandbox demo client.
func (s *server) token(id, secret string) string {
	s.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	resp, err := http.PostForm(s.base+"/api/auth/token", form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		s.t.Fatalf("token: status %d", resp.StatusCode)
	}
	return tok.AccessToken
}

// do sends a JSON request and returns status, headers and body.
func (s *server) do(method, path, token string, body any, headers map[string]string) (int, http.Header, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, s.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// openDB opens a SQLite file read-only beside a running server (WAL allows it).
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
