package chaos_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	_ "github.com/redcloud-core/redcloud/internal/store/storetest" // registers pgx
)

var binary string

// TestMain builds the redcloud binary once for the package, as test/e2e does.
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// Every test here needs the binary, and building it alone takes
		// longer than the whole -short loop may.
		fmt.Println("skipping test/chaos: -short, and every test builds and runs the redcloud binary")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "redcloud-chaos-")
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

const (
	demoID     = "rc_test_client_123"
	demoSecret = "rc_secret_abc123"
	demoNumber = "num_abc123"
)

// serverLog gathers what every process of one test wrote on stderr: a tail
// for failure reports, and counters read from the JSON log lines.
type serverLog struct {
	mu     sync.Mutex
	tail   []string // the last tailLines lines, all processes
	faults int      // provider sends that failed with the injected fault
	errs   map[string]int
	panics int
}

const tailLines = 300

// faultText is the text of sandbox.ErrInjected, which the pipeline logs with
// every retry of a failed provider send.
const faultText = "sandbox: injected transient failure"

func newServerLog() *serverLog { return &serverLog{errs: map[string]int{}} }

func (l *serverLog) line(proc int, s string) {
	var rec struct {
		Level string `json:"level"`
		Msg   string `json:"msg"`
		Err   string `json:"err"`
	}
	_ = json.Unmarshal([]byte(s), &rec)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tail = append(l.tail, fmt.Sprintf("[%d] %s", proc, s))
	if len(l.tail) > 2*tailLines {
		l.tail = append([]string(nil), l.tail[len(l.tail)-tailLines:]...)
	}
	if strings.Contains(rec.Err, faultText) {
		l.faults++
	}
	if rec.Level == "ERROR" {
		l.errs[rec.Msg]++
	}
	if rec.Msg == "panic" || strings.HasPrefix(s, "panic:") || strings.HasPrefix(s, "fatal error:") {
		l.panics++
	}
}

// Tail returns the last n lines.
func (l *serverLog) Tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.tail
	if len(t) > n {
		t = t[len(t)-n:]
	}
	return strings.Join(t, "\n")
}

// Errors summarises the ERROR lines by message, most frequent first.
func (l *serverLog) Errors() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	type kv struct {
		k string
		n int
	}
	var all []kv
	for k, n := range l.errs {
		all = append(all, kv{k, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n || all[i].n == all[j].n && all[i].k < all[j].k })
	var parts []string
	for _, e := range all {
		parts = append(parts, fmt.Sprintf("%q×%d", e.k, e.n))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// lineWriter splits a process's stderr into lines for its serverLog and
// reports the address the process listens on. exec's copying goroutine
// calls Write; Wait returns only after the last Write.
type lineWriter struct {
	proc    int
	log     *serverLog
	partial []byte
	addr    chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		s := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		w.log.line(w.proc, s)
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if w.addr != nil && json.Unmarshal([]byte(s), &rec) == nil && rec.Msg == "listening" {
			w.addr <- rec.Addr
			w.addr = nil
		}
	}
	return len(p), nil
}

// server is one running `redcloud serve` process.
type server struct {
	cmd  *exec.Cmd
	addr string // host:port
	base string // http://host:port
	done chan struct{}
	err  error // the exit, once done is closed
}

// startServer runs `redcloud serve --addr addr args…` and waits until it
// listens. It does not use t, so the caller decides what a failure means.
func startServer(proc int, log *serverLog, addr string, args ...string) (*server, error) {
	cmd := exec.Command(binary, append([]string{"serve", "--addr", addr}, args...)...)
	// No console: its default port would be shared by the tests' servers.
	cmd.Env = append(os.Environ(), "REDCLOUD_RATE_LIMIT=0", "REDCLOUD_TOKEN_RATE_LIMIT=0", "REDCLOUD_CONSOLE_ADDR=")
	lw := &lineWriter{proc: proc, log: log, addr: make(chan string, 1)}
	listening := lw.addr
	cmd.Stderr = lw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	select {
	case a := <-listening:
		s.addr, s.base = a, "http://"+a
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("redcloud serve exited before listening: %v", s.err)
	case <-time.After(time.Minute):
		s.kill()
		return nil, errors.New("redcloud serve did not listen within a minute")
	}
}

// restart starts a process on addr, trying again for a few seconds while
// the port is still taken.
func restart(proc int, log *serverLog, addr string, args ...string) (*server, error) {
	var err error
	for i := 0; i < 20; i++ {
		var s *server
		if s, err = startServer(proc, log, addr, args...); err == nil {
			return s, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return nil, err
}

// exited reports whether the process has ended (by itself or killed).
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to end.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// openDB opens the database a test's servers use, for the final checks: a
// SQLite file read-only beside the server (WAL allows it), or PostgreSQL.
func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if strings.HasPrefix(dsn, "postgres") {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", "file:"+dsn+"?mode=ro&_pragma=busy_timeout(5000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
