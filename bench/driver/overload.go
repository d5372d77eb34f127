package driver

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/bench/probe"
)

// OverloadRun is the overload row: gqlbff on one scenario, its capacity
// (closed loop), its unloaded p99 (one client), then an open loop at twice
// that capacity.
type OverloadRun struct {
	// System is the system measured: gqlbff, or gqlbff-before (-before).
	System   string
	Scenario string
	// Capacity is the clean answers per second of the closed loop at
	// Clients clients.
	Capacity float64
	Clients  int
	// Unloaded, Full, Below and Over are the one-client, the capacity, the
	// below-capacity (BelowFactor of it, open loop) and the
	// twice-capacity runs; nil when not run (NA says why).
	Unloaded, Full, Below, Over *probe.Report
	NA                          string
	// OwnUnloaded, OwnFull, OwnBelow and OwnOver are the same runs' accepted
	// requests by gqlbff's own clock (its access log); N is 0 when the log
	// could not be read.
	OwnUnloaded, OwnFull, OwnBelow, OwnOver OwnLatency
}

// BelowFactor is the rate of the overload row's open loop below capacity,
// as a share of it.
const BelowFactor = 0.8

// overloadKind is the failure kind of gqlbff's refusal at the door (503
// with the OVERLOADED code); notSentKind the load generator's own bound.
const (
	overloadKind = "status 503 OVERLOADED"
	notSentKind  = "overload"
)

// overload runs the overload row against the system named name (gqlbff,
// or gqlbff-before for a like-for-like comparison in one run).
func (e *env) overload(ctx context.Context, opts Options, name string) *OverloadRun {
	run := &OverloadRun{System: name, Scenario: opts.Overload, Clients: opts.mostClients()}
	i := slices.IndexFunc(e.systems, func(s *system) bool { return s.name == name })
	if i < 0 {
		run.NA = name + " is not among the systems"
		return run
	}
	s := e.systems[i]
	scs, err := pick([]string{opts.Overload})
	if err != nil {
		run.NA = err.Error()
		return run
	}
	sc := scs[0]
	var lines [4]*probe.Line
	defer func() { run.readOwn(s.p.log, lines) }()
	if lines[1], err = e.runLine(ctx, s, sc, opts, run.Clients, 0); err != nil {
		run.NA = "capacity run: " + err.Error()
		return run
	}
	run.Full = &lines[1].Report
	if run.Full.Seconds > 0 {
		run.Capacity = float64(run.Full.Ops-run.Full.Errors) / run.Full.Seconds
	}
	if run.Capacity <= 0 {
		run.NA = "no clean answer at capacity"
		return run
	}
	if lines[0], err = e.runLine(ctx, s, sc, opts, 1, 0); err != nil {
		run.NA = "unloaded run: " + err.Error()
		return run
	}
	run.Unloaded = &lines[0].Report
	over := opts
	if opts.OverloadDuration > 0 {
		over.Duration = opts.OverloadDuration
	}
	// The same open loop below the capacity: the latency that concurrency
	// alone gives, without an overload, for the overload's to be read
	// against (not a target).
	if lines[2], err = e.runLine(ctx, s, sc, opts, 0, BelowFactor*run.Capacity); err != nil {
		run.NA = "below-capacity run: " + err.Error()
		return run
	}
	run.Below = &lines[2].Report
	if lines[3], err = e.runLine(ctx, s, sc, over, 0, 2*run.Capacity); err != nil {
		run.NA = "overload run: " + err.Error()
		return run
	}
	run.Over = &lines[3].Report
	return run
}

// readOwn reads the accepted requests' latency of each run in lines from
// gqlbff's log at path, once its last lines are written (the log is
// flushed every 100 ms).
func (o *OverloadRun) readOwn(path string, lines [4]*probe.Line) {
	time.Sleep(300 * time.Millisecond)
	for i, own := range []*OwnLatency{&o.OwnUnloaded, &o.OwnFull, &o.OwnBelow, &o.OwnOver} {
		if l := lines[i]; l != nil && !l.Start.IsZero() {
			*own, _ = ownLatency(path, l.Start, l.Start.Add(time.Duration(l.T*float64(time.Second))))
		}
	}
}

// markdown writes the overload row and whether it meets the target: the
// accepted requests' p99 within 2x of the unloaded p99, no failure but
// OVERLOADED.
func (o *OverloadRun) markdown(w io.Writer) {
	system := o.System
	if system == "" {
		system = "gqlbff"
	}
	fmt.Fprintf(w, "\n### Overload: %s on %s at twice its capacity\n\n", system, o.Scenario)
	if o.Over == nil {
		fmt.Fprintf(w, "Not run: %s.\n", o.NA)
		return
	}
	u, f, r := o.Unloaded, o.Full, o.Over
	fmt.Fprintf(w, "Capacity is the clean answers per second of a closed loop of %d clients; unloaded is one client; the overload is an open loop at twice the capacity (%.0f/s, the load generator sending at most %d at once: past that a request is not sent and counted apart); the open loop below capacity is the same at %.1fx the capacity, for reading the ratio. Accepted are the clean answers; p99 is theirs, by the load generator's clock (from each request's scheduled time) and by gqlbff's own (its access log's duration). Server CPU is gqlbff's CPU time over the run (1.00: all of CPU %d), demo + load that of the sources and the load generator (on CPU %d), and CPU N busy how busy each CPU was with anything, other work on the machine included: the machine is shared, so the ratio is indicative.\n\n",
		o.Clients, 2*o.Capacity, max(100, int(2*o.Capacity/2)), BelowFactor, serverCPU, otherCPU)
	fmt.Fprintf(w, "| load | ops | accepted | accepted/s | refused OVERLOADED | not sent | other failures | accepted p50 / p99 ms | gqlbff's own p50 / p99 ms | peak RSS MiB | goroutines at end | server CPU | CPU %d busy | demo + load | CPU %d busy |\n", serverCPU, otherCPU)
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range []struct {
		name string
		r    *probe.Report
		own  OwnLatency
	}{
		{"1 client (unloaded)", u, o.OwnUnloaded},
		{fmt.Sprintf("%d clients (capacity %.0f/s)", o.Clients, o.Capacity), f, o.OwnFull},
		{fmt.Sprintf("open loop %.0f/s (%.1fx, below capacity)", BelowFactor*o.Capacity, BelowFactor), o.Below, o.OwnBelow},
		{fmt.Sprintf("open loop %.0f/s (2x)", 2*o.Capacity), r, o.OwnOver},
	} {
		x := row.r
		if x == nil {
			continue
		}
		ok := x.Ops - x.Errors
		fmt.Fprintf(w, "| %s | %d | %d | %.0f | %d | %d | %s | %.1f / %.1f | %s | %.1f | %d | %.2f | %s | %.2f | %s |\n", row.name, x.Ops, ok, float64(ok)/x.Seconds,
			x.ErrorKinds[overloadKind], x.ErrorKinds[notSentKind], otherFailures(x), x.OKLatency.P50, x.OKLatency.P99, row.own,
			float64(x.PeakRSSKiB)/1024, x.Goroutines, x.CPUUtil, busyOf(x.CPUBusy, serverCPU), x.OthersUtil, busyOf(x.CPUBusy, otherCPU))
	}
	if r.ErrorKinds[overloadKind] == 0 {
		// Nothing refused: the server kept up with "twice its capacity",
		// so the capacity run undercounted it (on a shared machine, less
		// CPU then, or its closed loop shed) and this is no overload.
		fmt.Fprintf(w, "\nAt 2x: nothing was refused, so this run was no overload (the capacity run measured less than the server could do then): no verdict.\n")
		return
	}
	ratio := r.OKLatency.P99 / u.OKLatency.P99
	onlyOverloaded := otherFailures(r) == "none"
	fmt.Fprintf(w, "\nAt 2x: the accepted requests' p99 is %.1fx the unloaded p99 (target: within 2x: %s) and %.1fx the p99 at capacity; failures other than OVERLOADED: %s (target: none: %s).\n",
		ratio, yes(ratio <= 2), r.OKLatency.P99/f.OKLatency.P99, otherFailures(r), yes(onlyOverloaded))
	if o.OwnOver.N > 0 && o.OwnUnloaded.N > 0 {
		fmt.Fprintf(w, "\nBy gqlbff's own clock (its access log: from before admission to the answer written, without the load generator's and the kernel's part), the accepted requests' p99 at 2x is %.1fx the unloaded one (%.1f against %.1f ms; the wait for a slot's p99: %.1f ms).\n",
			o.OwnOver.P99/o.OwnUnloaded.P99, o.OwnOver.P99, o.OwnUnloaded.P99, o.OwnOver.QueueP99)
	}
	o.markdownBelow(w)
}

// markdownBelow says what the overload adds to the latency of the same
// open loop below capacity.
func (o *OverloadRun) markdownBelow(w io.Writer) {
	b, r := o.Below, o.Over
	if b == nil || b.OKLatency.P99 <= 0 {
		return
	}
	fmt.Fprintf(w, "\nFor reading the ratio (not a target): the open loop at %.1fx the capacity had an accepted p99 of %.1f ms, %.1fx the unloaded one (%d refused), so that much of the latency at 2x is any open loop's at that concurrency; against it the accepted p99 at 2x is %.1fx",
		BelowFactor, b.OKLatency.P99, b.OKLatency.P99/o.Unloaded.OKLatency.P99, b.ErrorKinds[overloadKind], r.OKLatency.P99/b.OKLatency.P99)
	if o.OwnBelow.N > 0 && o.OwnOver.N > 0 {
		fmt.Fprintf(w, " (by gqlbff's own clock %.1fx: %.1f against %.1f ms)", o.OwnOver.P99/o.OwnBelow.P99, o.OwnOver.P99, o.OwnBelow.P99)
	}
	fmt.Fprintln(w, ".")
}

// String is the p50 / p99 ms of a table cell, n/a without a reading.
func (l OwnLatency) String() string {
	if l.N == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f / %.1f", l.P50, l.P99)
}

// otherFailures are the failures other than gqlbff's OVERLOADED and the
// load generator's bound, by kind; "none" when there are none.
func otherFailures(r *probe.Report) string {
	var kinds []string
	for k, n := range r.ErrorKinds {
		if k != overloadKind && k != notSentKind {
			kinds = append(kinds, fmt.Sprintf("%s ×%d", k, n))
		}
	}
	if len(kinds) == 0 {
		return "none"
	}
	slices.Sort(kinds)
	return strings.Join(kinds, ", ")
}

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}
