package driver

import (
	"fmt"
	"io"
	"slices"
)

// Markdown writes the soak: how it ran, every sample, and whether heap and
// goroutines stayed flat.
func (res *SoakResults) Markdown(w io.Writer, command string) {
	o, m := res.Options, res.Machine
	fmt.Fprintf(w, "Run of %s. Command:\n\n```\n%s\n```\n\n", res.Started.UTC().Format("2006-01-02 15:04 MST"), command)
	fmt.Fprintf(w, "- Machine: %d CPUs (nproc), %s; %s; gqlbff pinned to CPU %d with GOMAXPROCS=1, the demo sources and the load generator to CPU %d (pinned: %v).\n",
		m.NProc, m.CPUModel, m.GoVersion, serverCPU, otherCPU, m.Pinned)
	fmt.Fprintf(w, "- Load: open loop at %.0f req/s for %s after a %s warm-up, every non-optional scenario in turn; sources with %s latency.\n",
		o.Rate, o.Duration, o.Warmup, o.Latency)
	fmt.Fprintf(w, "- Faults, through `POST /_demo/faults`: every %s, one fault for the middle third of the period, then cleared; in turn: ", o.FaultEvery)
	for i, f := range faults {
		if i > 0 {
			fmt.Fprint(w, "; ")
		}
		fmt.Fprint(w, f.name)
	}
	fmt.Fprintln(w, ". Requests that hit a fault answer partial data with errors: they count as errors below.")
	fmt.Fprintf(w, "- Heap live is what the last GC found live; goroutines and RSS are at the end of each %s interval. Server CPU is gqlbff's CPU time over the interval (1.00: all of CPU %d); CPU %d busy counts any work on that CPU, the machine's other work included. n/a: the server did not answer its debug listener in time.\n\n", o.Interval, serverCPU, serverCPU)
	fmt.Fprintf(w, "| t (s) | fault during the interval | ops/s | errors | p99 ms | heap live MiB | heap objects MiB | goroutines | RSS MiB | server CPU | CPU %d busy |\n", serverCPU)
	fmt.Fprintln(w, "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range res.Samples {
		f := s.Fault
		if f == "" {
			f = "—"
		}
		if s.ProbeError != "" {
			fmt.Fprintf(w, "| %.0f | %s | %.0f | %d | %.2f | n/a | n/a | n/a | n/a | n/a | n/a |\n", s.T, f, s.Throughput(), s.Errors, s.Latency.P99)
			continue
		}
		fmt.Fprintf(w, "| %.0f | %s | %.0f | %d | %.2f | %.1f | %.1f | %d | %.1f | %.2f | %s |\n",
			s.T, f, s.Throughput(), s.Errors, s.Latency.P99, mib(s.HeapLiveBytes), mib(s.HeapObjectsBytes), s.Goroutines,
			float64(s.RSSKiB)/1024, s.CPUUtil, busyOf(s.CPUBusy, serverCPU))
	}
	fmt.Fprintln(w)
	if f := res.Final; f != nil {
		fmt.Fprintf(w, "Whole run: %d requests, %d errors, p50 %.2f ms, p99 %.2f ms; peak RSS %.1f MiB.\n\n",
			f.Ops, f.Errors, f.Latency.P50, f.Latency.P99, float64(f.PeakRSSKiB)/1024)
	}
	fmt.Fprintln(w, res.Verdict())
}

// Verdict compares the samples with no fault of the first and the last
// third of the run: heap live and goroutines must not grow.
func (res *SoakResults) Verdict() string {
	var clean []Sample
	for _, s := range res.Samples {
		if s.Fault == "" && s.ProbeError == "" {
			clean = append(clean, s)
		}
	}
	if len(clean) < 3 {
		return "Flatness: too few samples without a fault to tell (run longer)."
	}
	third := max(len(clean)/3, 1)
	first, last := clean[:third], clean[len(clean)-third:]
	med := func(ss []Sample, f func(Sample) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	heap := func(s Sample) float64 { return mib(s.HeapLiveBytes) }
	gor := func(s Sample) float64 { return float64(s.Goroutines) }
	h0, h1 := med(first, heap), med(last, heap)
	g0, g1 := med(first, gor), med(last, gor)
	// Slack: 25% plus 2 MiB of heap, 10% plus 10 goroutines.
	heapFlat := h1 <= h0*1.25+2
	gorFlat := g1 <= g0*1.10+10
	word := map[bool]string{true: "flat", false: "**GROWING**"}
	return fmt.Sprintf("Flatness, medians of the fault-free samples of the first and the last third: heap live %.1f → %.1f MiB (%s), goroutines %.0f → %.0f (%s).",
		h0, h1, word[heapFlat], g0, g1, word[gorFlat])
}
