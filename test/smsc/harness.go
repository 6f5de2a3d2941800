// Package smsc runs the SMSC simulator (server.js beside this file: node and
// the npm package smpp 0.5.1) for Go tests, and drives it through its HTTP
// control API. The simulator is independent of the project's SMPP code, so a
// test against it checks the provider against someone else's protocol stack.
//
// Start runs one simulator per call and stops it when the test ends. The
// typed methods fail the test given to Start (call them from its goroutine);
// Do returns errors instead, for use from other goroutines.
package smsc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Default credentials of the simulator.
const (
	DefaultSystemID = "redcloud"
	DefaultPassword = "secret"
)

// Option sets a startup flag of the simulator.
type Option func(*options)

type options struct {
	args     []string
	systemID string
	password string
}

// WithFlags passes raw flags to server.js (see README.md), e.g.
// WithFlags("--receipt", "15550001=UNDELIV", "--throttle", "all").
func WithFlags(args ...string) Option {
	return func(o *options) { o.args = append(o.args, args...) }
}

// WithCredentials sets the system_id and password binds must present.
func WithCredentials(systemID, password string) Option {
	return func(o *options) {
		o.systemID, o.password = systemID, password
		o.args = append(o.args, "--system-id", systemID, "--password", password)
	}
}

// WithIDFormat sets the message id format: "dec", "hex" or "mixed".
func WithIDFormat(format string) Option {
	return WithFlags("--id-format", format)
}

// WithReceiptDelay sets how long after a submit its receipt is sent.
func WithReceiptDelay(d time.Duration) Option {
	return WithFlags("--receipt-delay-ms", strconv.FormatInt(d.Milliseconds(), 10))
}

// SMSC is a running simulator.
type SMSC struct {
	t    testing.TB
	dir  string
	opts options
	http *http.Client

	mu      sync.Mutex
	cmd     *exec.Cmd
	stdin   io.Closer
	exited  chan struct{}
	port    int // SMPP port, kept across Restart
	control string
	log     *lockedBuffer
}

// Start runs the simulator on a free loopback port and waits until it is
// ready. It fails the test (never skips) when node or the npm packages are
// missing, naming the command that installs them.
func Start(t testing.TB, opts ...Option) *SMSC {
	t.Helper()
	// Like the tests that build the binary: -short is the quick loop, CI
	// runs them all.
	if testing.Short() {
		t.Skip("starts the SMSC simulator (a node process); skipped under -short")
	}
	s := &SMSC{
		t:    t,
		dir:  simulatorDir(t),
		opts: options{systemID: DefaultSystemID, password: DefaultPassword},
		http: &http.Client{Timeout: 30 * time.Second},
		log:  &lockedBuffer{},
	}
	for _, o := range opts {
		o(&s.opts)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("smsc: node is not installed (need Node 20 and npm), then run: npm ci --prefix test/smsc")
	}
	if err := installModules(s.dir); err != nil {
		t.Fatalf("smsc: %s/node_modules is missing and `npm ci --prefix test/smsc` failed: %v", s.dir, err)
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("smsc log:\n%s", s.log.String())
		}
	})
	if err := s.start(0); err != nil {
		t.Fatalf("smsc: %v\nlog:\n%s", err, s.log.String())
	}
	return s
}

// simulatorDir finds test/smsc from this file's path, or from the module
// root when the build trimmed paths.
func simulatorDir(t testing.TB) string {
	if _, file, _, ok := runtime.Caller(0); ok {
		if _, err := os.Stat(filepath.Join(filepath.Dir(file), "server.js")); err == nil {
			return filepath.Dir(file)
		}
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("smsc: cannot find the module root (go env GOMOD: %v)", err)
	}
	return filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "test", "smsc")
}

// start runs server.js on port (0: any) with the startup flags and more,
// and waits for its ready line.
func (s *SMSC) start(port int, more ...string) error {
	args := append([]string{filepath.Join(s.dir, "server.js"), "--port", strconv.Itoa(port), "--exit-on-stdin-close"}, s.opts.args...)
	args = append(args, more...)
	cmd := exec.Command("node", args...)
	cmd.Dir = s.dir
	ready := make(chan string, 1)
	cmd.Stdout = &readyWriter{ready: ready, rest: s.log}
	cmd.Stderr = s.log
	// The simulator exits when this pipe closes: a test binary that dies
	// without cleanup leaves no node process behind.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	var line string
	select {
	case line = <-ready:
	case <-exited:
		return errors.New("simulator exited before it was ready")
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("simulator not ready after 20s")
	}
	var r struct{ SMPP, Control int }
	if err := json.Unmarshal([]byte(line), &r); err != nil || r.SMPP == 0 || r.Control == 0 {
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("bad ready line %q", line)
	}
	s.mu.Lock()
	s.cmd, s.stdin, s.exited = cmd, stdin, exited
	s.port, s.control = r.SMPP, fmt.Sprintf("http://127.0.0.1:%d", r.Control)
	s.mu.Unlock()
	return nil
}

// stop kills the process (if running) and waits for it.
func (s *SMSC) stop() {
	s.mu.Lock()
	cmd, stdin, exited := s.cmd, s.stdin, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = stdin.Close()
	<-exited
}

// Kill SIGKILLs the simulator, as a crash would: connections reset, and
// everything it held (queued receipts, records) is lost.
func (s *SMSC) Kill() {
	s.stop()
}

// Restart kills the simulator if it runs and starts a new one on the same
// SMPP port, with the startup options (runtime changes are lost, as in a
// real restart) followed by opts, for this start only: e.g. WithFlags
// ("--id-start", N) so that the new run does not hand out the ids of the
// last one, as a real SMSC never does. The control port changes.
func (s *SMSC) Restart(opts ...Option) {
	s.t.Helper()
	s.stop()
	extra := options{}
	for _, o := range opts {
		o(&extra)
	}
	var err error
	for i := 0; i < 20; i++ { // the port may linger for a moment
		if err = s.start(s.Port(), extra.args...); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("smsc: restart on port %d: %v\nlog:\n%s", s.Port(), err, s.log.String())
}

// Port is the SMPP port; Addr is host:port.
func (s *SMSC) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// Addr is the SMPP listener's address, 127.0.0.1:PORT.
func (s *SMSC) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())) }

// URL is the smpp:// URL with the current credentials, as given to
// `redcloud admin provider add`.
func (s *SMSC) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("smpp://%s:%s@127.0.0.1:%d", s.opts.systemID, s.opts.password, s.port)
}

// Log returns what the simulator printed so far.
func (s *SMSC) Log() string { return s.log.String() }

// Do calls the control API: method and path (e.g. "GET", "/stats"), in
// encoded as JSON when not nil, the answer decoded into out when not nil.
func (s *SMSC) Do(method, path string, in, out any) error {
	s.mu.Lock()
	base := s.control
	s.mu.Unlock()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.Unmarshal(b, &e)
		return fmt.Errorf("smsc %s %s: %d %s", method, path, resp.StatusCode, e.Error)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (s *SMSC) must(method, path string, in, out any) {
	s.t.Helper()
	if err := s.Do(method, path, in, out); err != nil {
		s.t.Fatal(err)
	}
}

// readyWriter hands the first stdout line (the ready line) to ready and
// appends the rest to the log.
type readyWriter struct {
	ready chan string
	rest  io.Writer
	buf   []byte
	done  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	if w.done {
		return w.rest.Write(p)
	}
	w.buf = append(w.buf, p...)
	if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
		w.done = true
		w.ready <- string(w.buf[:i])
		_, _ = w.rest.Write(w.buf[i+1:])
	}
	return len(p), nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// installModules runs `npm ci` in dir once when its node_modules is
// missing, so that `go test ./...` works on a fresh checkout (the README's
// test command); an exclusive lock on a file beside it keeps the test
// binaries of several packages from installing at once.
func installModules(dir string) error {
	installed := func() bool {
		_, err := os.Stat(filepath.Join(dir, "node_modules", "smpp", "package.json"))
		return err == nil
	}
	if installed() {
		return nil
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".npm-install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if installed() { // another test binary installed it meanwhile
		return nil
	}
	out, err := exec.Command("npm", "ci", "--prefix", dir, "--no-audit", "--no-fund").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}
