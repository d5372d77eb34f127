// Package driver runs the benchmarks as separate processes on loopback: it
// builds the binaries, starts the demo sources, the systems under test and
// the load generator, pins them to CPUs, and turns the load generator's
// reports into the tables of BENCHMARKS.md. `make bench` and `make soak`
// call it through bench/cmd/bench.
package driver

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Machine is what the numbers were measured on.
type Machine struct {
	NProc     int
	CPUModel  string
	GoVersion string
	// Pinned is true when the processes were pinned with taskset.
	Pinned bool
}

// ReadMachine describes this machine.
func ReadMachine(ctx context.Context) Machine {
	m := Machine{NProc: runtime.NumCPU(), CPUModel: cpuModel(), GoVersion: runtime.Version()}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
