package driver

import (
	"fmt"
	"io"
	"strings"
)

// The targets of issue 14 (the execution engine), recorded, not asserted.
const (
	targetThroughput = 0.9   // of the limit's, at least
	targetP99        = 1.3   // times the limit's, at most
	targetAllocs     = 1.5   // fan-out allocations per operation, times the limit's, at most
	targetRSSMiB     = 100.0 // at the open-loop rate
)

// targetOver is gqlbff's throughput over each Node.js peer's, at least.
var targetOver = []struct {
	system, label string
	ratio         float64
}{{"mercurius", "mercurius (graphql-jit)", 2}, {"apollo", "Apollo Server 5", 3}}

func (res *Results) targets(w io.Writer) {
	fmt.Fprintln(w, "\nTargets (recorded, not asserted):")
	fmt.Fprintln(w)
	var slow, late []string
	for _, row := range res.rows() {
		g, l := row["gqlbff"].Report, row["limit"].Report
		if g == nil || l == nil || l.Throughput() == 0 || l.Latency.P99 == 0 {
			continue
		}
		c := row["gqlbff"]
		if r := g.Throughput() / l.Throughput(); r < targetThroughput {
			slow = append(slow, fmt.Sprintf("%s/%d %.2f", c.Scenario, c.Clients, r))
		}
		if r := g.Latency.P99 / l.Latency.P99; r > targetP99 {
			late = append(late, fmt.Sprintf("%s/%d %.2fx", c.Scenario, c.Clients, r))
		}
	}
	verdict := func(miss []string) string {
		if len(miss) == 0 {
			return "met on every row"
		}
		return "**missed**: " + strings.Join(miss, ", ")
	}
	fmt.Fprintf(w, "- gqlbff throughput >= %.1fx the limit's: %s.\n", targetThroughput, verdict(slow))
	fmt.Fprintf(w, "- gqlbff p99 <= %.1fx the limit's: %s.\n", targetP99, verdict(late))
	for _, t := range targetOver {
		var cpu, miss []string
		for _, row := range res.rows() {
			g, p := row["gqlbff"].Report, row[t.system].Report
			if g == nil || p == nil || p.Throughput() == 0 {
				continue
			}
			c := row["gqlbff"]
			if r := g.Throughput() / p.Throughput(); r < t.ratio {
				miss = append(miss, fmt.Sprintf("%s/%d %.2f", c.Scenario, c.Clients, r))
			}
			if g.CPUPerOp > 0 && p.CPUPerOp > 0 {
				cpu = append(cpu, fmt.Sprintf("%s/%d %.2fx", c.Scenario, c.Clients, p.CPUPerOp/g.CPUPerOp))
			}
		}
		fmt.Fprintf(w, "- gqlbff throughput >= %.0fx %s's: %s.\n", t.ratio, t.label, verdict(miss))
		if len(cpu) > 0 {
			// What throughput comes to when gqlbff and the peer each get a
			// whole CPU: the steadier measure on a shared machine.
			fmt.Fprintf(w, "  - %s's CPU per operation over gqlbff's: %s.\n", t.label, strings.Join(cpu, ", "))
		}
	}
	for _, row := range res.rows() {
		g, l := row["gqlbff"].Report, row["limit"].Report
		if g == nil || l == nil || row["gqlbff"].Scenario != "orders_fanout" || l.AllocsPerOp == 0 {
			continue
		}
		r := g.AllocsPerOp / l.AllocsPerOp
		v := "met"
		if r > targetAllocs {
			v = "**missed**"
		}
		fmt.Fprintf(w, "- Fan-out allocations per operation <= %.1fx the limit's at %d clients: %.0f against %.0f, %.2fx, %s.\n", targetAllocs, row["gqlbff"].Clients, g.AllocsPerOp, l.AllocsPerOp, r, v)
	}
	var cost []string
	for _, row := range res.rows() {
		if _, _, c := ratios(row["gqlbff"].Report, row["limit"].Report); c != "n/a" {
			cost = append(cost, fmt.Sprintf("%s/%d %sx", row["gqlbff"].Scenario, row["gqlbff"].Clients, c))
		}
	}
	if len(cost) > 0 {
		fmt.Fprintf(w, "- (Not a target, the reason for the two above) gqlbff's CPU per operation over the limit's: %s.\n", strings.Join(cost, ", "))
	}
	for _, row := range res.rows() {
		c := firstCell(row, res.Options.Systems)
		if c.Scenario != "orders_fanout" {
			continue
		}
		var parts []string
		for _, n := range res.Options.Systems {
			if r := row[n].Report; r != nil {
				parts = append(parts, fmt.Sprintf("%s %.2f", n, r.CallsPerOp))
			}
		}
		fmt.Fprintf(w, "- Fan-out source calls per operation at %d clients (4 batches; about 151 for the naive way): %s.\n", c.Clients, strings.Join(parts, ", "))
	}
	for _, c := range res.RateRuns {
		if c.System != "gqlbff" || c.Report == nil {
			continue
		}
		r := c.Report
		mib := float64(r.PeakRSSKiB) / 1024
		v := "met"
		if mib >= targetRSSMiB {
			v = "**missed**"
		}
		reached := fmt.Sprintf("%.0f ops/s achieved", r.Throughput())
		if r.ErrorKinds["overload"] > 0 || r.Throughput() < 0.97*c.Rate {
			reached += ", **the rate was not sustained**"
		}
		fmt.Fprintf(w, "- gqlbff peak RSS < %.0f MiB at %.0f req/s (%s, %s): %.1f MiB, %s.\n", targetRSSMiB, c.Rate, c.Scenario, reached, mib, v)
	}
}
