package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// startTimeout bounds how long a child may take to log that it listens
// (migrating a fresh PostgreSQL database takes a few seconds).
const startTimeout = 60 * time.Second

// stopTimeout bounds a child's graceful shutdown before it is killed.
const stopTimeout = 30 * time.Second

// child is a server process started by Run: the server or the baseline.
type child struct {
	cmd  *exec.Cmd
	addr string        // the address it logged it listens on
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed
	tail *tail         // the end of its log, for error messages
	rss  *rssSampler
}

// startChild runs argv with env, reads its stderr until it logs the JSON line
// {"msg":"listening","addr":…}, and then keeps draining (and discarding) its
// log so that it never blocks on a full pipe.
func startChild(ctx context.Context, argv, env []string) (*child, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create pipe: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("start %s: %w", strings.Join(argv, " "), err)
	}
	pw.Close()
	c := &child{cmd: cmd, done: make(chan struct{}), tail: &tail{}}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	addrc := make(chan string, 1)
	go func() {
		defer pr.Close()
		r := bufio.NewReaderSize(pr, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			c.tail.Write(line)
			if addr := listeningAddr(line); addr != "" {
				addrc <- addr
				break
			}
			if err != nil {
				return
			}
		}
		io.Copy(c.tail, r)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case c.addr = <-addrc:
	case <-c.done:
		return nil, fmt.Errorf("%s exited before listening (%v); its log ends:\n%s", strings.Join(argv, " "), c.err, c.tail)
	case <-timer.C:
		c.stop()
		return nil, fmt.Errorf("%s did not log that it listens within %s; its log ends:\n%s", strings.Join(argv, " "), startTimeout, c.tail)
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
	c.rss = newRSSSampler(cmd.Process.Pid, 100*time.Millisecond)
	return c, nil
}

// listeningAddr returns the address of a {"msg":"listening","addr":…} log
// line, or "".
func listeningAddr(line []byte) string {
	if !bytes.Contains(line, []byte(`"listening"`)) {
		return ""
	}
	var l struct {
		Msg  string `json:"msg"`
		Addr string `json:"addr"`
	}
	if json.Unmarshal(line, &l) != nil || l.Msg != "listening" {
		return ""
	}
	return l.Addr
}

// pid returns the child's process id as a /proc path element.
func (c *child) pid() string { return strconv.Itoa(c.cmd.Process.Pid) }

// peak returns the child's peak resident memory so far (VmHWM), or 0 when
// unknown.
func (c *child) peak() int64 {
	_, hwm, err := readMemory(c.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return hwm
}

// stop asks the child to shut down (SIGINT, as Ctrl-C would) and kills it
// if it has not exited within stopTimeout.
func (c *child) stop() error {
	if c.rss != nil {
		c.rss.close()
	}
	select {
	case <-c.done:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-c.done:
		return nil
	case <-timer.C:
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("pid %d did not stop within %s and was killed", c.cmd.Process.Pid, stopTimeout)
	}
}

// tail keeps the last 4 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf[max(0, len(t.buf)-tailSize):])
}

// readMemory returns a process's resident memory (VmRSS) and its peak
// (VmHWM), in bytes, from /proc/<pid>/status (Linux only).
func readMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(value) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		kb, perr := strconv.ParseInt(f[0], 10, 64)
		if perr != nil {
			continue
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, errors.New("no VmRSS or VmHWM in /proc/" + strconv.Itoa(pid) + "/status")
	}
	return rss, hwm, nil
}

// clockTicks is the unit of the times in /proc/<pid>/stat (USER_HZ), 100
// on every Linux architecture Go supports.
const clockTicks = 100

// readCPU returns the CPU time (user and system) a process has used so far,
// from /proc/<pid>/stat ("self" for this process); Linux only.
func readCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/" + pid + "/stat")
	}
	f := strings.Fields(string(b[i+1:])) // from field 3, state
	if len(f) < 13 {
		return 0, errors.New("short /proc/" + pid + "/stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed times in /proc/" + pid + "/stat")
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// cpuMeter measures the CPU cores a process used over an interval.
type cpuMeter struct {
	pid   string
	start time.Time
	cpu   time.Duration
	ok    bool
}

func startCPU(pid string) cpuMeter {
	cpu, err := readCPU(pid)
	return cpuMeter{pid: pid, start: time.Now(), cpu: cpu, ok: err == nil}
}

// cores returns the CPU time used since start divided by the wall time, or
// nil when unknown.
func (m cpuMeter) cores() *float64 {
	cpu, err := readCPU(m.pid)
	wall := time.Since(m.start)
	if !m.ok || err != nil || wall <= 0 {
		return nil
	}
	c := math.Round(float64(cpu-m.cpu)/float64(wall)*100) / 100
	return &c
}

// readBusy returns the CPU time all CPUs of the machine have spent busy
// (neither idle nor waiting for I/O; time stolen by the hypervisor counts
// as busy) so far, from /proc/stat; Linux only.
func readBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return 0, errors.New("malformed /proc/stat")
	}
	var busy int64
	for i, v := range f[1:9] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, errors.New("malformed /proc/stat")
		}
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / clockTicks, nil
}

// readCommCPU returns the CPU time used so far by every process whose
// command name is comm (such as the backends of a local PostgreSQL server),
// from /proc/<pid>/stat; Linux only. Processes that exit between two reads
// take their time with them, so it undercounts short-lived ones.
func readCommCPU(comm string) (time.Duration, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, d := range dirs {
		pid := d.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			continue
		}
		open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || end < open || string(b[open+1:end]) != comm {
			continue
		}
		if cpu, err := readCPU(pid); err == nil {
			total += cpu
		}
	}
	return total, nil
}

// commMeter measures the CPU cores that processes named comm used over an
// interval.
type commMeter struct {
	comm  string
	start time.Time
	cpu   time.Duration
	ok    bool
}

func startComm(comm string) commMeter {
	cpu, err := readCommCPU(comm)
	return commMeter{comm: comm, start: time.Now(), cpu: cpu, ok: err == nil}
}

// cores returns the CPU time the processes used since start divided by the
// wall time, or nil when unknown.
func (m commMeter) cores() *float64 {
	cpu, err := readCommCPU(m.comm)
	wall := time.Since(m.start)
	if !m.ok || err != nil || wall <= 0 {
		return nil
	}
	c := math.Round(max(float64(cpu-m.cpu)/float64(wall), 0)*100) / 100
	return &c
}

// otherMeter measures the CPU cores that processes other than the bench and
// its server used over an interval: the machine's busy time less theirs.
type otherMeter struct {
	start time.Time
	busy  time.Duration
	ok    bool
}

func startOther() otherMeter {
	busy, err := readBusy()
	return otherMeter{start: time.Now(), busy: busy, ok: err == nil}
}

// cores returns the machine's busy cores since start less those given, or
// nil when unknown. A nil among those given counts as 0.
func (m otherMeter) cores(ours ...*float64) *float64 {
	busy, err := readBusy()
	wall := time.Since(m.start)
	if !m.ok || err != nil || wall <= 0 {
		return nil
	}
	c := float64(busy-m.busy) / float64(wall)
	for _, o := range ours {
		if o != nil {
			c -= *o
		}
	}
	c = math.Round(max(c, 0)*100) / 100
	return &c
}

// rssSampler reads a process's VmRSS periodically and remembers the largest
// value since it was last taken.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	max  int64
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func newRSSSampler(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{})}
	s.sample()
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.sample()
			}
		}
	})
	return s
}

func (s *rssSampler) sample() {
	rss, _, err := readMemory(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.max = max(s.max, rss)
	s.mu.Unlock()
}

// take samples once more and returns the largest VmRSS seen since the last
// take (0 when unknown), starting a new window.
func (s *rssSampler) take() int64 {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.max
	s.max = 0
	return m
}

func (s *rssSampler) close() {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
}
