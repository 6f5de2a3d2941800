package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes the machine a run was on.
type Machine struct {
	// OS and Arch are runtime.GOOS and runtime.GOARCH.
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// CPUs is the number of logical CPUs usable by this process.
	CPUs int `json:"cpus"`
	// CPUModel is the first "model name" of /proc/cpuinfo; empty when unknown.
	CPUModel string `json:"cpuModel,omitempty"`
	// MemoryBytes is MemTotal of /proc/meminfo; 0 when unknown.
	MemoryBytes int64 `json:"memoryBytes,omitempty"`
	// Kernel is /proc/sys/kernel/osrelease; empty when unknown.
	Kernel string `json:"kernel,omitempty"`
	// GoVersion is the Go release the binary was built with.
	GoVersion string `json:"goVersion"`
}

// thisMachine describes the machine this process runs on.
func thisMachine() Machine {
	m := Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if f := strings.Fields(v); len(f) == 2 {
					if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						m.MemoryBytes = kb << 10
					}
				}
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// String describes the machine on one line.
func (m Machine) String() string {
	s := fmt.Sprintf("%s/%s, %d CPUs", m.OS, m.Arch, m.CPUs)
	if m.CPUModel != "" {
		s += " (" + m.CPUModel + ")"
	}
	if m.MemoryBytes > 0 {
		s += fmt.Sprintf(", %.1f GiB RAM", float64(m.MemoryBytes)/(1<<30))
	}
	if m.Kernel != "" {
		s += ", Linux " + m.Kernel
	}
	return s + ", " + m.GoVersion
}
