package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/probe"
	"github.com/gqlbff/gqlbff/bench/scenario"
)

// mostClients is the largest closed loop the run has, at least 32: the
// overload row's capacity loop, and the connections an open loop opens
// before its warm-up.
func (o Options) mostClients() int { return slices.Max(append([]int{32}, o.Clients...)) }

// run runs the load generator against one system: closed loop at clients,
// or open loop at rate.
func (e *env) run(ctx context.Context, s *system, sc scenario.Scenario, opts Options, clients int, rate float64) (*probe.Report, error) {
	l, err := e.runLine(ctx, s, sc, opts, clients, rate)
	if err != nil {
		return nil, err
	}
	return &l.Report, nil
}

// runLine is run with the load generator's whole line: the report, and
// when the measured run began and how long it took.
func (e *env) runLine(ctx context.Context, s *system, sc scenario.Scenario, opts Options, clients int, rate float64) (*probe.Line, error) {
	tokens := opts.Tokens
	if len(tokens) == 0 {
		tokens = []string{opts.Token}
	}
	// The load generator sends these round robin: consecutive requests are
	// different users'.
	rqs := make([]load.Request, len(tokens))
	for i, tok := range tokens {
		rq, err := sc.Request(s.base, s.kind, e.ops, tok)
		if err != nil {
			return nil, err
		}
		rqs[i] = rq
	}
	b, err := json.Marshal(rqs)
	if err != nil {
		return nil, err
	}
	reqFile := filepath.Join(e.l.dir, "requests-"+s.name+"-"+sc.Name+".json")
	if err := os.WriteFile(reqFile, b, 0o600); err != nil {
		return nil, err
	}
	args := []string{"-requests", reqFile, "-warmup", opts.Warmup.String(), "-duration", opts.Duration.String(),
		"-sources", strings.Join(e.sources, ","), "-pid", strconv.Itoa(s.p.pid()), "-other-pids", strconv.Itoa(e.demo.pid())}
	if s.stats != "" {
		args = append(args, "-stats", s.stats)
	}
	if rate > 0 {
		// Half a second of requests in flight at most: past it the rate is
		// not sustained, and the table says so rather than measuring a queue.
		inFlight := max(100, int(rate/2))
		args = append(args, "-rate", strconv.FormatFloat(rate, 'f', -1, 64), "-max-in-flight", strconv.Itoa(inFlight))
		// As many connections open before the warm-up as the closed loops
		// keep: the open loop's start measures the server, not a load
		// generator opening a connection per request not yet answered.
		args = append(args, "-preopen", strconv.Itoa(opts.mostClients()))
	} else {
		args = append(args, "-concurrency", strconv.Itoa(clients))
	}
	if opts.Profile != "" && strings.HasPrefix(s.name, "gqlbff") && s.stats != "" {
		name := fmt.Sprintf("%s-%s-%d.pprof", s.name, sc.Name, clients)
		if rate > 0 {
			name = fmt.Sprintf("%s-%s-rate%.0f.pprof", s.name, sc.Name, rate)
		}
		stop := e.profile(ctx, s, opts, filepath.Join(opts.Profile, name))
		defer stop()
	}
	cmd := e.l.command(ctx, otherCPU, s.loadEnv(), e.bins.load, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var last probe.Line
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if err := json.Unmarshal(line, &last); err != nil {
			return nil, fmt.Errorf("load output: %w", err)
		}
	}
	if last.Phase != "run" {
		return nil, errors.New("load printed no run report")
	}
	return &last, nil
}

// profile takes a CPU profile of the server over the measured part of a
// cell (after the warm-up), in the background.
func (e *env) profile(ctx context.Context, s *system, opts Options, path string) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After(opts.Warmup):
		case <-ctx.Done():
			return
		}
		u := strings.TrimSuffix(s.stats, "/debug/stats") + "/debug/pprof/profile?seconds=" + strconv.Itoa(int(opts.Duration.Seconds()))
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		resp, err := get(ctx, c, u, s.key)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return
		}
		f, err := os.Create(path)
		if err != nil {
			return
		}
		defer f.Close()
		_, _ = io.Copy(f, resp.Body)
	}()
	return func() { <-done }
}

func progress(w io.Writer, c Cell) {
	if w == nil {
		return
	}
	load := fmt.Sprintf("%d clients", c.Clients)
	if c.Rate > 0 {
		load = fmt.Sprintf("%.0f/s", c.Rate)
	}
	if c.Report == nil {
		fmt.Fprintf(w, "%-22s %-10s %-14s %s\n", c.Scenario, load, c.System, c.NA)
		return
	}
	r := c.Report
	fmt.Fprintf(w, "%-22s %-10s %-14s %8.0f ops/s  p99 %7.2f ms  calls/op %6.2f  allocs/op %7.0f  errors %d\n",
		c.Scenario, load, c.System, r.Throughput(), r.Latency.P99, r.CallsPerOp, r.AllocsPerOp, r.Errors)
}
