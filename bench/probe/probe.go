// Package probe reads what a benchmark needs to know besides latencies: the
// demo sources' call counters, the server under test's runtime stats (its
// admin listener, internal/diag, behind the admin key) and its CPU time and resident memory from
// /proc. A Snapshot before and one after a run give per-operation figures.
package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/internal/diag"
)

// Target is what to read.
type Target struct {
	// Sources are the demo services' base URLs (GET /_demo/stats).
	Sources []string
	// Stats is the server's GET /debug/stats URL; empty skips it.
	Stats string
	// Key is the admin key sent with Stats (Authorization: Bearer); empty
	// sends none.
	Key string
	// PID is the server's process id; 0 skips /proc.
	PID int
	// Others are the other processes of the benchmark (the demo sources,
	// the load generator), whose CPU time is summed in Snapshot.Others.
	Others []int
}

// Snapshot is the counters at one moment.
type Snapshot struct {
	At          time.Time  `json:"at"`
	SourceCalls int        `json:"sourceCalls"`
	Server      diag.Stats `json:"server"`
	Proc        Proc       `json:"proc"`
	// Others is the CPU time of Target.Others, together.
	Others time.Duration `json:"othersCpuNs"`
	// CPUs is each CPU's time, busy and in all, from /proc/stat.
	CPUs []CPUTime `json:"cpus"`
}

// CPUTime is one CPU's time so far, in clock ticks: busy (neither idle
// nor waiting for I/O) and in all.
type CPUTime struct {
	Busy  int64 `json:"busy"`
	Total int64 `json:"total"`
}

// Proc is what /proc says of a process.
type Proc struct {
	// CPU is the user and system time used so far.
	CPU time.Duration `json:"cpuNs"`
	// PeakRSSKiB is VmHWM: the peak resident set (since the start or the
	// last ResetPeak).
	PeakRSSKiB int64 `json:"peakRssKiB"`
	// RSSKiB is VmRSS: the resident set now.
	RSSKiB int64 `json:"rssKiB"`
}

// KeyEnv is the environment variable that hands the bench's admin key to
// its processes (the load generator, the hand-built systems under test),
// so that it never shows on a command line.
const KeyEnv = "GQLBFF_BENCH_ADMIN_KEY"

// Take reads every counter of t.
func Take(ctx context.Context, c *http.Client, t Target) (Snapshot, error) {
	s := Snapshot{At: time.Now()}
	var errs []error
	for _, u := range t.Sources {
		var st struct {
			Calls int `json:"calls"`
		}
		if err := getJSON(ctx, c, strings.TrimRight(u, "/")+"/_demo/stats", "", &st); err != nil {
			errs = append(errs, err)
		}
		s.SourceCalls += st.Calls
	}
	if t.Stats != "" {
		if err := getJSON(ctx, c, t.Stats, t.Key, &s.Server); err != nil {
			errs = append(errs, err)
		}
	}
	if t.PID > 0 {
		p, err := ReadProc(t.PID)
		if err != nil {
			errs = append(errs, err)
		}
		s.Proc = p
	}
	for _, pid := range t.Others {
		p, err := ReadProc(pid)
		if err != nil {
			errs = append(errs, err)
		}
		s.Others += p.CPU
	}
	cpus, err := ReadCPUs()
	if err != nil {
		errs = append(errs, err)
	}
	s.CPUs = cpus
	return s, errors.Join(errs...)
}

// ReadCPUs reads every CPU's time from /proc/stat, by CPU number.
func ReadCPUs() ([]CPUTime, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil, err
	}
	var out []CPUTime
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		n, err := strconv.Atoi(f[0][3:])
		if err != nil {
			continue
		}
		var t CPUTime
		for i, v := range f[1:] {
			x, _ := strconv.ParseInt(v, 10, 64)
			if i >= 8 { // guest time is already in user time
				break
			}
			t.Total += x
			if i != 3 && i != 4 { // idle, iowait
				t.Busy += x
			}
		}
		for len(out) <= n {
			out = append(out, CPUTime{})
		}
		out[n] = t
	}
	return out, nil
}

func getJSON(ctx context.Context, c *http.Client, url, key string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// clockTick is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// ReadProc reads a process's CPU time (/proc/PID/stat) and resident set
// (/proc/PID/status).
func ReadProc(pid int) (Proc, error) {
	var p Proc
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return p, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return p, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	p.CPU = time.Duration(utime+stime) * clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmHWM":
			p.PeakRSSKiB = kib
		case "VmRSS":
			p.RSSKiB = kib
		}
	}
	return p, nil
}

// ResetPeak resets a process's VmHWM to its current resident set, so that
// the next ReadProc's peak belongs to what happened since.
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
