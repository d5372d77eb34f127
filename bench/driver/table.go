package driver

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/bench/probe"
)

// Markdown writes the run as Markdown: how it ran, the side-by-side table,
// the details of every cell, the open-loop run and the targets.
func (res *Results) Markdown(w io.Writer, command string) {
	o := res.Options
	m := res.Machine
	fmt.Fprintf(w, "Run of %s (%s). Command:\n\n```\n%s\n```\n\n", res.Started.UTC().Format("2006-01-02 15:04 MST"), res.Elapsed.Round(time.Second), command)
	fmt.Fprintf(w, "- Machine: %d CPUs (nproc), %s; %s.\n", m.NProc, m.CPUModel, m.GoVersion)
	if m.Pinned {
		fmt.Fprintf(w, "- Pinning: the server under test on CPU %d (`taskset -c %d`, `GOMAXPROCS=1`); the demo sources and the load generator on CPU %d (`taskset -c %d`, `GOMAXPROCS=1`). The machine is shared: other work runs on both CPUs.\n", serverCPU, serverCPU, otherCPU, otherCPU)
	} else {
		fmt.Fprintf(w, "- Pinning: none (%v); every process shares every CPU.\n", canPin(m.NProc))
	}
	fmt.Fprintf(w, "- Sources: `gqlbff demo-sources --latency %s` (default data set: 1,000 customers, 20,000 orders), one process on loopback.\n", o.Latency)
	rounds := ""
	if o.Rounds > 1 {
		rounds = fmt.Sprintf("; %d rounds, each cell shows its round of median throughput", o.Rounds)
	}
	token := "none"
	switch {
	case len(o.Tokens) > 1:
		token = fmt.Sprintf("the clients rotate over %d users (customers c1…c%d), each request with its user's HS256 token as `Authorization: Bearer`, so that no system merges one user's identical calls", len(o.Tokens), len(o.Tokens))
	case o.Token != "":
		token = "one user's token (`GQLBFF_BENCH_TOKEN`) on every request, as `Authorization: Bearer`"
	}
	fmt.Fprintf(w, "- Load: closed loop, %s warm-up then %s measured per cell; the systems take turns cell by cell%s. Tokens: %s.\n",
		o.Warmup, o.Duration, rounds, token)
	fmt.Fprintf(w, "- Systems: %s. CPU µs/op is the server's CPU time (user + system, /proc) per operation: when the server does not get a whole CPU (a shared machine, or a bottleneck on the other CPU), throughput follows the CPU it got, and CPU per operation is the steadier measure of what each system costs.\n\n", strings.Join(o.Systems, ", "))

	names := o.Systems
	list := strings.Join(names, " · ")
	fmt.Fprintf(w, "| scenario | clients | ops/s %s | gqlbff/limit ops/s | p99 ms %s | gqlbff/limit p99 | CPU µs/op %s | gqlbff/limit CPU | calls/op %s | errors |\n",
		list, list, list, list)
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range res.rows() {
		var ops, p99, cpu, calls, errs []string
		for _, n := range names {
			r := row[n].Report
			if r == nil {
				for _, col := range []*[]string{&ops, &p99, &cpu, &calls, &errs} {
					*col = append(*col, "n/a")
				}
				continue
			}
			ops = append(ops, fmt.Sprintf("%.0f", r.Throughput()))
			p99 = append(p99, fmt.Sprintf("%.1f", r.Latency.P99))
			cpu = append(cpu, fmt.Sprintf("%.0f", r.CPUPerOp))
			calls = append(calls, fmt.Sprintf("%.2f", r.CallsPerOp))
			errs = append(errs, fmt.Sprintf("%d", r.Errors))
		}
		tput, lat, cost := ratios(row["gqlbff"].Report, row["limit"].Report)
		c := firstCell(row, names)
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Scenario, c.Clients,
			strings.Join(ops, " · "), tput, strings.Join(p99, " · "), lat, strings.Join(cpu, " · "), cost,
			strings.Join(calls, " · "), strings.Join(errs, " · "))
	}
	fmt.Fprintln(w)
	for _, n := range res.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	res.answers(w)

	fmt.Fprintf(w, "\nEvery cell. Allocations and CPU µs are the server's, per operation. Server CPU is its CPU time over wall time (1.00: all of CPU %d); \"CPU %d busy\" is how busy that CPU was with anything, this server or other work on the machine. \"Demo + load\" is the CPU time of the demo sources and the load generator, and \"CPU %d busy\" the same for their CPU. Peak RSS is VmHWM over the measured run.\n\n", serverCPU, serverCPU, otherCPU)
	fmt.Fprintf(w, "| scenario | load | system | ops/s | p50 ms | p95 ms | p99 ms | errors | calls/op | allocs/op | KiB/op | CPU µs/op | server CPU | CPU %d busy | demo + load | CPU %d busy | peak RSS MiB |\n", serverCPU, otherCPU)
	fmt.Fprintln(w, "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range append(append([]Cell{}, res.Cells...), res.RateRuns...) {
		detail(w, c)
	}
	if res.Overload != nil {
		res.Overload.markdown(w)
	}
	if res.OverloadBefore != nil {
		fmt.Fprintf(w, "\nThe same row for gqlbff built from %s (gqlbff-before), run right after:\n", res.Options.Before)
		res.OverloadBefore.markdown(w)
	}
	res.targets(w)
}

// ratios are gqlbff's throughput, p99 and CPU per operation over the
// limit's, as text; n/a when either is missing.
func ratios(g, l *probe.Report) (tput, p99, cpu string) {
	tput, p99, cpu = "n/a", "n/a", "n/a"
	if g == nil || l == nil {
		return
	}
	if l.Throughput() > 0 {
		tput = fmt.Sprintf("%.2f", g.Throughput()/l.Throughput())
	}
	if l.Latency.P99 > 0 {
		p99 = fmt.Sprintf("%.2f", g.Latency.P99/l.Latency.P99)
	}
	if l.CPUPerOp > 0 {
		cpu = fmt.Sprintf("%.2f", g.CPUPerOp/l.CPUPerOp)
	}
	return
}

// rows groups the cells by scenario and clients, in run order.
func (res *Results) rows() []map[string]Cell {
	var out []map[string]Cell
	idx := map[string]int{}
	for _, c := range res.Cells {
		k := fmt.Sprintf("%s/%d", c.Scenario, c.Clients)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, map[string]Cell{})
		}
		out[i][c.System] = c
	}
	return out
}

func firstCell(row map[string]Cell, names []string) Cell {
	for _, n := range names {
		if c, ok := row[n]; ok {
			return c
		}
	}
	return Cell{}
}

func (res *Results) answers(w io.Writer) {
	var odd []string
	for _, sc := range res.scenarioNames() {
		for _, s := range res.Options.Systems {
			if a := res.Answers[sc][s]; a != "" && !strings.HasPrefix(a, "same bytes") {
				odd = append(odd, fmt.Sprintf("%s on %s: %s", s, sc, a))
			}
		}
	}
	if len(odd) == 0 {
		fmt.Fprintln(w, "- Before the load, each system answered each scenario once (as customer c7): every answer was byte for byte the limit's, gqlbff's cost report in `extensions` aside.")
		return
	}
	fmt.Fprintln(w, "- Before the load, each system answered each scenario once; every other answer was byte for byte the limit's. Exceptions:")
	for _, o := range odd {
		fmt.Fprintf(w, "  - %s\n", o)
	}
}

func (res *Results) scenarioNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range res.Cells {
		if !seen[c.Scenario] {
			seen[c.Scenario] = true
			out = append(out, c.Scenario)
		}
	}
	return out
}

func detail(w io.Writer, c Cell) {
	ld := fmt.Sprintf("%d clients", c.Clients)
	if c.Rate > 0 {
		ld = fmt.Sprintf("%.0f/s open", c.Rate)
	}
	r := c.Report
	if r == nil {
		fmt.Fprintf(w, "| %s | %s | %s | %s |  |  |  |  |  |  |  |  |  |  |  |  |  |\n", c.Scenario, ld, c.System, oneLine(c.NA))
		return
	}
	allocs, kib := "n/a", "n/a"
	if r.AllocsPerOp > 0 {
		allocs, kib = fmt.Sprintf("%.0f", r.AllocsPerOp), fmt.Sprintf("%.1f", r.BytesPerOp/1024)
	}
	busy := func(cpu int) string {
		if cpu < len(r.CPUBusy) {
			return fmt.Sprintf("%.2f", r.CPUBusy[cpu])
		}
		return "n/a"
	}
	fmt.Fprintf(w, "| %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %s | %.2f | %s | %s | %.0f | %.2f | %s | %.2f | %s | %.1f |\n",
		c.Scenario, ld, c.System, r.Throughput(), r.Latency.P50, r.Latency.P95, r.Latency.P99, errorsOf(r),
		r.CallsPerOp, allocs, kib, r.CPUPerOp, r.CPUUtil, busy(serverCPU), r.OthersUtil, busy(otherCPU), float64(r.PeakRSSKiB)/1024)
}

func errorsOf(r *probe.Report) string {
	if r.Errors == 0 {
		return "0"
	}
	var kinds []string
	for k, n := range r.ErrorKinds {
		kinds = append(kinds, fmt.Sprintf("%s ×%d", k, n))
	}
	return fmt.Sprintf("%d (%s)", r.Errors, strings.Join(kinds, ", "))
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
