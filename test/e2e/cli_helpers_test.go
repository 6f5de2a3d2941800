package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cliServer starts a sandbox server for the CLI tests: its own database, no
// sandbox provider delay and quick polls, so that messages reach a terminal
// state in a fraction of a second.
func cliServer(t *testing.T) *server {
	t.Helper()
	return start(t, "--db", filepath.Join(t.TempDir(), "redcloud.db"), "--sandbox-delay", "0s", "--poll-interval", "50ms")
}

// cliResult is what one run of the CLI printed and how it exited.
type cliResult struct {
	args           []string
	stdout, stderr string
	code           int
}

// String describes the run for failure messages.
func (r cliResult) String() string {
	return "redcloud " + strings.Join(r.args, " ") + "\nexit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// cliEnv is the environment of a CLI run: the test process's without any
// variable the CLI reads, then BASE_URL=base (when not empty) and extra
// ("NAME=value").
func cliEnv(base string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "BASE_URL" || strings.HasPrefix(name, "RC_") || name == "NO_COLOR" {
			continue
		}
		env = append(env, kv)
	}
	if base != "" {
		env = append(env, "BASE_URL="+base)
	}
	return append(env, extra...)
}

// cliRun runs the CLI with env (see cliEnv) and returns what it printed.
func cliRun(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := cliResult{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run redcloud %v: %v", args, err)
	}
	cliNoLeak(t, r)
	return r
}

// cliWant runs the CLI and fails the test unless it exits with code.
func cliWant(t *testing.T, code int, env []string, args ...string) cliResult {
	t.Helper()
	r := cliRun(t, env, args...)
	if r.code != code {
		t.Fatalf("want exit code %d:\n%s", code, r)
	}
	return r
}

// cliNoLeak fails the test when a run printed the demo client secret or an
// access token — except `token`, whose purpose is to print one on stdout —
// or colour codes (the output is a pipe, not a terminal).
func cliNoLeak(t *testing.T, r cliResult) {
	t.Helper()
	stdout := r.stdout
	if len(r.args) > 0 && r.args[0] == "token" {
		stdout = ""
	}
	for _, a := range r.args {
		if a == "--help" || a == "-h" {
			return // the help documents the sandbox's public demo defaults
		}
	}
	if strings.Contains(r.stdout+r.stderr, "\x1b[") {
		t.Errorf("colour codes in output that is not a terminal:\n%s", r)
	}
	for _, s := range []string{demoSecret, "rc_at_", "wrong_secret_e2e"} {
		if strings.Contains(stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("the output holds %q:\n%s", s, r)
		}
	}
}

// cliJSON decodes a run's stdout into v.
func cliJSON(t *testing.T, r cliResult, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("stdout is not JSON (%v):\n%s", err, r)
	}
}

// cliClosedPort returns a base URL on which nothing listens.
func cliClosedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// cliListenProc is a running `redcloud listen`.
type cliListenProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	first  string      // the first stdout line
	lines  chan string // the following stdout lines
	stderr *syncBuffer
	done   chan error
}

// cliListenURL finds the URL in listen's first human line.
var cliListenURL = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:\d+/\S*)$`)

// cliStartListen runs `redcloud listen --port 0 args…` and waits for its
// first line, which names the URL it listens on.
func cliStartListen(t *testing.T, env []string, args ...string) *cliListenProc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"listen", "--port", "0"}, args...)...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	l := &cliListenProc{t: t, cmd: cmd, lines: make(chan string, 1000), stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = l.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for sc.Scan() {
			if n == 0 {
				first <- sc.Text()
			} else {
				l.lines <- sc.Text()
			}
			n++
		}
		close(l.lines)
		l.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-l.done
		}
	})
	select {
	case l.first = <-first:
	case <-time.After(time.Minute):
		t.Fatalf("listen printed nothing within a minute\nstderr:\n%s", l.stderr)
	}
	if m := cliListenURL.FindStringSubmatch(l.first); m != nil {
		l.url = m[1]
	} else {
		var h struct {
			Listening string `json:"listening"`
		}
		if json.Unmarshal([]byte(l.first), &h) != nil || h.Listening == "" {
			t.Fatalf("listen's first line names no URL: %q\nstderr:\n%s", l.first, l.stderr)
		}
		l.url = h.Listening
	}
	return l
}

// waitFor returns the first later stdout line that match accepts, failing
// the test after timeout.
func (l *cliListenProc) waitFor(timeout time.Duration, what string, match func(line string) bool) string {
	l.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-l.lines:
			if !ok {
				l.t.Fatalf("listen exited while waiting for %s\nstderr:\n%s", what, l.stderr)
			}
			if match(line) {
				return line
			}
		case <-deadline:
			l.t.Fatalf("timed out after %s waiting for listen to print %s\nstderr:\n%s", timeout, what, l.stderr)
		}
	}
}

// stop interrupts listen as Ctrl-C does and returns its exit error.
func (l *cliListenProc) stop() error {
	l.t.Helper()
	l.cmd.Process.Signal(syscall.SIGINT)
	for range l.lines { // drain, so that the reader can finish
	}
	select {
	case err := <-l.done:
		return err
	case <-time.After(20 * time.Second):
		l.cmd.Process.Kill()
		return errors.New("listen did not exit within 20s of SIGINT")
	}
}
