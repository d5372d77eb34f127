package driver

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

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
	// Token, when set, is sent as Authorization: Bearer with the requests
	// whose answers are compared across systems.
	Token string
	// Tokens, when set, are the tokens the clients rotate over under load,
	// one user each (BenchTokens): request i carries Tokens[i%len]. So no
	// system is flattered by merging one user's identical calls. Empty
	// sends Token with every request.
	Tokens []string
	// Rate is the open-loop phase's requests per second (0 skips it), over
	// each of RateScenarios, for the RSS target.
	Rate          float64
	RateScenarios []string
	// Overload names the scenario of the overload row (empty skips it):
	// gqlbff's capacity on it, then an open loop at twice that for
	// OverloadDuration (Duration when 0); with Before, gqlbff-before's
	// too, right after.
	Overload         string
	OverloadDuration time.Duration
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
	// Overload is the overload row; nil when not run. OverloadBefore is
	// the same row of gqlbff-before, when -before is given.
	Overload, OverloadBefore *OverloadRun
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
	if slices.ContainsFunc(opts.Systems, isNodePeer) {
		if e.bins.node, err = installNode(ctx, opts.Root, opts.Out); err != nil {
			return nil, err
		}
	}
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
	if opts.Overload != "" {
		res.Overload = e.overload(ctx, opts, "gqlbff")
		if opts.Before != "" && ctx.Err() == nil {
			res.OverloadBefore = e.overload(ctx, opts, "gqlbff-before")
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
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
	e := &env{root: root, l: launcher{dir: dir, pin: m.Pinned}, bins: bins, ops: ops}
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
