package driver

import (
	"bytes"
	"cmp"
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

// Options configure a load benchmark run (`make bench`).
type Options struct {
	// Root is the repository (its go.mod's directory).
	Root string
	// Dir holds the binaries, logs and profiles; empty is a temporary
	// directory, removed at the end.
	Dir string
	// Systems are the systems under test, in table order.
	Systems []string
	// Before, a git ref, adds gqlbff built from it as "gqlbff-before".
	Before string
	// Scenarios filters scenario.All by name; empty runs them all.
	Scenarios []string
	// Clients are the closed-loop concurrencies.
	Clients []int
	// Rounds repeats every cell; the table shows, per cell, the round of
	// median throughput. On a shared machine the CPU the server gets varies
	// over minutes: rounds spread that over every system.
	Rounds int
	// Warmup and Duration are each cell's warm-up and measured run.
	Warmup, Duration time.Duration
	// Latency is the demo sources' added latency per call.
	Latency time.Duration
	// Token, when set, is sent as Authorization: Bearer.
	Token string
	// Rate is the open-loop phase's requests per second (0 skips it), over
	// each of RateScenarios, for the RSS target.
	Rate          float64
	RateScenarios []string
	// Profile, a directory, receives a CPU profile of every gqlbff cell.
	Profile string
	// Out receives progress.
	Out io.Writer
}

// Cell is one system on one scenario at one load.
type Cell struct {
	Scenario string
	Clients  int
	Rate     float64
	System   string
	// Report is nil when the cell was not run; NA says why.
	Report *probe.Report
	NA     string
}

// Results are a whole run.
type Results struct {
	Machine  Machine
	Options  Options
	Started  time.Time
	Elapsed  time.Duration
	Cells    []Cell
	RateRuns []Cell
	// Answers holds, per scenario and system, how its answer compares with
	// the limit's: "same bytes", or what differs.
	Answers map[string]map[string]string
	// Notes are the scenarios' notes.
	Notes []string
}

// Bench runs the load benchmark.
func Bench(ctx context.Context, opts Options) (*Results, error) {
	res := &Results{Machine: ReadMachine(ctx), Options: opts, Started: time.Now(), Answers: map[string]map[string]string{}}
	e, cleanup, err := setUp(ctx, opts.Root, opts.Dir, &res.Machine, opts.Before)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	defer e.stop()
	if err := e.startDemo(ctx, opts.Latency); err != nil {
		return nil, err
	}
	for _, name := range opts.Systems {
		if _, err := e.startSystem(ctx, name); err != nil {
			return nil, err
		}
	}
	scenarios, err := pick(opts.Scenarios)
	if err != nil {
		return nil, err
	}
	for _, sc := range scenarios {
		if sc.Note != "" {
			res.Notes = append(res.Notes, sc.Note)
		}
	}
	na := res.compareAnswers(ctx, e, scenarios, opts.Token)

	rounds := max(opts.Rounds, 1)
	all := map[string][]Cell{}
	var order []string
	i := 0
	for round := range rounds {
		for _, sc := range scenarios {
			for _, clients := range opts.Clients {
				for k := range e.systems {
					s := e.systems[(i+k)%len(e.systems)] // rotate, so no system always goes first
					cell := Cell{Scenario: sc.Name, Clients: clients, System: s.name, NA: na[sc.Name][s.name]}
					if cell.NA == "" {
						cell.Report, err = e.run(ctx, s, sc, opts, clients, 0)
						if err != nil {
							if ctx.Err() != nil {
								return nil, ctx.Err()
							}
							cell.NA = "load failed: " + err.Error()
						}
					}
					key := fmt.Sprintf("%s/%d/%s", sc.Name, clients, s.name)
					if round == 0 {
						order = append(order, key)
					}
					all[key] = append(all[key], cell)
					progress(opts.Out, cell)
				}
				i++
			}
		}
	}
	for _, key := range order {
		res.Cells = append(res.Cells, median(all[key]))
	}
	if opts.Rate > 0 {
		rated, err := pick(opts.RateScenarios)
		if err != nil {
			return nil, err
		}
		for _, sc := range rated {
			for _, s := range e.systems {
				cell := Cell{Scenario: sc.Name, Rate: opts.Rate, System: s.name, NA: na[sc.Name][s.name]}
				if cell.NA == "" {
					if cell.Report, err = e.run(ctx, s, sc, opts, 0, opts.Rate); err != nil {
						cell.NA = "load failed: " + err.Error()
					}
				}
				res.RateRuns = append(res.RateRuns, cell)
				progress(opts.Out, cell)
			}
		}
	}
	res.Elapsed = time.Since(res.Started)
	return res, nil
}

// median is the cell of median throughput among rounds of one cell; a
// cell that failed in any round is reported as failed.
func median(cells []Cell) Cell {
	for _, c := range cells {
		if c.Report == nil {
			return c
		}
	}
	sorted := slices.Clone(cells)
	slices.SortFunc(sorted, func(a, b Cell) int { return cmp.Compare(a.Report.Throughput(), b.Report.Throughput()) })
	return sorted[len(sorted)/2]
}

// setUp builds the binaries into dir (a temporary one when empty) and
// prepares the launcher; cleanup removes a temporary directory.
func setUp(ctx context.Context, root, dir string, m *Machine, before string) (*env, func(), error) {
	cleanup := func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gqlbff-bench-")
		if err != nil {
			return nil, nil, err
		}
		dir, cleanup = tmp, func() { _ = os.RemoveAll(tmp) }
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*env, func(), error) { cleanup(); return nil, nil, err }
	bins, err := build(ctx, root, dir, before)
	if err != nil {
		return fail(err)
	}
	ops, err := scenario.Operations(root)
	if err != nil {
		return fail(err)
	}
	m.Pinned = canPin(m.NProc) == nil
	e := &env{l: launcher{dir: dir, pin: m.Pinned}, bins: bins, ops: ops}
	if err := e.writeManifest(); err != nil {
		return fail(err)
	}
	return e, cleanup, nil
}

func pick(names []string) ([]scenario.Scenario, error) {
	if len(names) == 0 {
		return scenario.All, nil
	}
	var out []scenario.Scenario
	for _, n := range names {
		i := slices.IndexFunc(scenario.All, func(s scenario.Scenario) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("no scenario %q", n)
		}
		out = append(out, scenario.All[i])
	}
	return out, nil
}

// compareAnswers sends each scenario once to each system and compares the
// answer with the limit's (or the first system's). It answers, by scenario
// and system, why a cell cannot run: an optional scenario the system
// refuses, or a scenario that fails.
func (res *Results) compareAnswers(ctx context.Context, e *env, scenarios []scenario.Scenario, token string) map[string]map[string]string {
	na := map[string]map[string]string{}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	ref := e.systems[0]
	for _, s := range e.systems {
		if s.name == "limit" {
			ref = s
		}
	}
	for _, sc := range scenarios {
		na[sc.Name], res.Answers[sc.Name] = map[string]string{}, map[string]string{}
		bodies := map[string][]byte{}
		for _, s := range e.systems {
			body, err := e.once(ctx, c, s, sc, token)
			if err != nil {
				why := "fails: " + err.Error()
				if sc.Optional {
					why = "not available: " + err.Error()
				}
				na[sc.Name][s.name] = why
				continue
			}
			bodies[s.name] = body
		}
		for _, s := range e.systems {
			b, ok := bodies[s.name]
			switch {
			case !ok:
				res.Answers[sc.Name][s.name] = na[sc.Name][s.name]
			case bodies[ref.name] == nil:
				res.Answers[sc.Name][s.name] = "not compared: " + ref.name + " failed"
			case bytes.Equal(bytes.TrimSpace(b), bytes.TrimSpace(bodies[ref.name])):
				res.Answers[sc.Name][s.name] = "same bytes"
			default:
				res.Answers[sc.Name][s.name] = fmt.Sprintf("DIFFERS from %s: %.200s", ref.name, b)
			}
		}
	}
	return na
}

func (e *env) once(ctx context.Context, c *http.Client, s *system, sc scenario.Scenario, token string) ([]byte, error) {
	rq, err := sc.Request(s.base, s.kind, e.ops, token)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, rq.Method, rq.URL, bytes.NewReader(rq.Body))
	if err != nil {
		return nil, err
	}
	req.Header = rq.Header
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return body, load.Check(resp.StatusCode, body)
}

// run runs the load generator against one system: closed loop at clients,
// or open loop at rate.
func (e *env) run(ctx context.Context, s *system, sc scenario.Scenario, opts Options, clients int, rate float64) (*probe.Report, error) {
	rq, err := sc.Request(s.base, s.kind, e.ops, opts.Token)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal([]load.Request{rq})
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
	cmd := e.l.command(ctx, otherCPU, nil, e.bins.load, args...)
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
	return &last.Report, nil
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
		resp, err := c.Get(u)
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
