package e2e_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPprofAddrWarning: a profiling listener that is not on loopback is
// allowed but warned about at start; a loopback one is not.
func TestPprofAddrWarning(t *testing.T) {
	const warning = "--pprof-addr is not a loopback address"
	s := start(t, "--db", filepath.Join(t.TempDir(), "a.db"), "--pprof-addr", "0.0.0.0:0")
	if !strings.Contains(s.logs.String(), warning) {
		t.Errorf("--pprof-addr 0.0.0.0:0: no warning in the log:\n%s", s.logs.String())
	}
	s = start(t, "--db", filepath.Join(t.TempDir(), "b.db"), "--pprof-addr", "127.0.0.1:0")
	if strings.Contains(s.logs.String(), warning) {
		t.Errorf("--pprof-addr 127.0.0.1:0 warned:\n%s", s.logs.String())
	}
}
