package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// simulatorDir is where the SMSC simulator lives in the repository.
const simulatorDir = "test/smsc"

// findSimulator returns the SMSC simulator's directory: dir when given,
// else test/smsc in the working directory or one of its parents (a
// checkout of the repository). It also checks that node and the
// simulator's npm packages are installed, naming the fix when not.
func findSimulator(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("smpp scenario: find %s: %w", simulatorDir, err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, simulatorDir, "server.js")); err == nil {
				dir = filepath.Join(d, simulatorDir)
				break
			}
			if filepath.Dir(d) == d {
				return "", fmt.Errorf("smpp scenario: no %s/server.js (the SMSC simulator) in %s or its parents: run bench from a checkout of the repository, or pass --smsc-dir", simulatorDir, wd)
			}
		}
	} else if _, err := os.Stat(filepath.Join(dir, "server.js")); err != nil {
		return "", fmt.Errorf("smpp scenario: --smsc-dir %s holds no server.js (the SMSC simulator is test/smsc of the repository)", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", errors.New("smpp scenario: node is not installed; the SMSC simulator needs Node 20 and npm (e.g. apt-get install nodejs npm), then npm ci --prefix " + dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "smpp", "package.json")); err != nil {
		return "", fmt.Errorf("smpp scenario: the simulator's npm packages are missing: run npm ci --prefix %s", dir)
	}
	return dir, nil
}

// simulator is a running SMSC simulator (node server.js).
type simulator struct {
	cmd     *exec.Cmd
	stdin   io.Closer
	done    chan struct{}
	log     *tail
	smpp    int // SMPP port
	control string
	hc      *http.Client
}

// startSimulator runs the simulator in dir on free loopback ports with
// extra flags and waits for its ready line.
func startSimulator(ctx context.Context, dir string, flags ...string) (*simulator, error) {
	args := append([]string{filepath.Join(dir, "server.js"), "--port", "0", "--control-port", "0", "--exit-on-stdin-close"}, flags...)
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	s := &simulator{cmd: cmd, done: make(chan struct{}), log: &tail{}, hc: &http.Client{Timeout: 10 * time.Second}}
	cmd.Stderr = s.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// The simulator exits when this pipe closes: a bench that dies leaves
	// no node process behind.
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the SMSC simulator: %w", err)
	}
	ready := make(chan []byte, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadBytes('\n')
		ready <- line
		io.Copy(s.log, r)
	}()
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	var line []byte
	select {
	case line = <-ready:
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	var r struct{ SMPP, Control int }
	if json.Unmarshal(bytes.TrimSpace(line), &r) != nil || r.SMPP == 0 || r.Control == 0 {
		s.stop()
		return nil, fmt.Errorf("the SMSC simulator did not start (ready line %q); its log ends:\n%s", bytes.TrimSpace(line), s.log)
	}
	s.smpp, s.control = r.SMPP, "http://127.0.0.1:"+strconv.Itoa(r.Control)
	return s, nil
}

// url is the provider URL of the simulator, with its default credentials.
func (s *simulator) url() string { return "smpp://redcloud:secret@127.0.0.1:" + strconv.Itoa(s.smpp) }

// pid is the process id as a /proc path element.
func (s *simulator) pid() string { return strconv.Itoa(s.cmd.Process.Pid) }

// submits returns how many submit_sm the simulator received.
func (s *simulator) submits(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.control+"/stats", nil)
	if err != nil {
		return 0, err
	}
	res, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var st struct{ Submits int }
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("SMSC simulator /stats: %s", res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("SMSC simulator /stats: %w", err)
	}
	return st.Submits, nil
}

// stop ends the simulator (SIGTERM; killed after 5 s).
func (s *simulator) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.stdin.Close()
}
