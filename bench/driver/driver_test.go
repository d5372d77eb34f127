package driver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/probe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRecordAppendsThenReplacesItsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	before := "# Benchmarks\n\n## Earlier\n\nhand-written\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := Record(path, "make bench", "Load", "first table"); err != nil {
		t.Fatal(err)
	}
	first := read()
	if !strings.HasPrefix(first, before) || !strings.Contains(first, "## Load\n") || !strings.Contains(first, "first table") {
		t.Fatalf("after the first record: got\n%s", first)
	}
	if err := os.WriteFile(path, []byte(first+"\n## Later\n\nalso hand-written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Record(path, "make bench", "Load", "second table"); err != nil {
		t.Fatal(err)
	}
	second := read()
	for _, want := range []string{before, "second table", "## Later\n\nalso hand-written\n"} {
		if !strings.Contains(second, want) {
			t.Errorf("after the second record: want %q in\n%s", want, second)
		}
	}
	if strings.Contains(second, "first table") || strings.Count(second, "## Load") != 1 {
		t.Errorf("after the second record: want the section replaced, got\n%s", second)
	}
}

func TestActiveSince(t *testing.T) {
	log := []event{{10, "slow"}, {20, ""}, {70, "down"}, {80, ""}}
	tests := []struct {
		t    float64
		want string
	}{
		{0, "slow"},  // comes on within the interval
		{12, "slow"}, // on at its start
		{20, "down"}, // cleared at its start, but down came on since
		{25, "down"}, // comes on later, before now
		{75, "down"},
		{85, ""},
	}
	for _, tt := range tests {
		if got := activeSince(log, tt.t); got != tt.want {
			t.Errorf("activeSince(%v): got %q, want %q", tt.t, got, tt.want)
		}
	}
}

func sample(fault string, heapMiB float64, goroutines uint64) Sample {
	return Sample{Fault: fault, Report: probe.Report{HeapLiveBytes: uint64(heapMiB * (1 << 20)), Goroutines: goroutines}}
}

func TestVerdict(t *testing.T) {
	flat := []Sample{sample("", 5, 100), sample("down", 50, 900), sample("", 6, 104), sample("", 5, 98), sample("", 6, 101), sample("", 5, 99), sample("", 6, 103)}
	growing := []Sample{sample("", 5, 100), sample("", 6, 100), sample("", 9, 180), sample("", 12, 260), sample("", 16, 340), sample("", 20, 420)}
	tests := []struct {
		name    string
		samples []Sample
		want    []string
	}{
		{"flat, a fault ignored", flat, []string{"heap live 6.0 → 6.0 MiB (flat)", "goroutines 104 → 103 (flat)"}},
		{"growing", growing, []string{"heap live 6.0 → 20.0 MiB (**GROWING**)", "goroutines 100 → 420 (**GROWING**)"}},
		{"too short", flat[:2], []string{"too few samples"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&SoakResults{Samples: tt.samples}).Verdict()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want %q in it", got, w)
				}
			}
		})
	}
}

func report(ops int, p99, cpu, calls float64) *probe.Report {
	return &probe.Report{Result: load.Result{Ops: ops, Seconds: 1, Latency: load.Latency{P99: p99}}, CPUPerOp: cpu, CallsPerOp: calls}
}

func withAllocs(r *probe.Report, allocs float64) *probe.Report {
	r.AllocsPerOp = allocs
	return r
}

func TestMarkdownShowsRatiosAndTargets(t *testing.T) {
	res := &Results{
		Machine: Machine{NProc: 2, CPUModel: "Test CPU", GoVersion: "go1.x", Pinned: true},
		Options: Options{Systems: []string{"gqlbff", "limit", "naive", "apollo", "mercurius"}, Warmup: time.Second, Duration: 2 * time.Second,
			Latency: time.Millisecond, Token: "t", Tokens: []string{"a", "b", "c"}},
		Cells: []Cell{
			{Scenario: "orders_fanout", Clients: 32, System: "gqlbff", Report: withAllocs(report(50, 30, 4000, 4), 5000)},
			{Scenario: "orders_fanout", Clients: 32, System: "limit", Report: withAllocs(report(100, 10, 1000, 4), 3000)},
			{Scenario: "orders_fanout", Clients: 32, System: "naive", Report: report(10, 90, 9000, 151)},
			{Scenario: "orders_fanout", Clients: 32, System: "apollo", Report: report(25, 80, 5000, 4)},
			{Scenario: "orders_fanout", Clients: 32, System: "mercurius", Report: report(20, 70, 5000, 4)},
			{Scenario: "me", Clients: 32, System: "gqlbff", Report: report(900, 1.3, 50, 0)},
			{Scenario: "me", Clients: 32, System: "limit", Report: report(1000, 1, 40, 0)},
			{Scenario: "me", Clients: 32, System: "naive", NA: "not available: no"},
			{Scenario: "me", Clients: 32, System: "apollo", NA: "not available: no"},
			{Scenario: "me", Clients: 32, System: "mercurius", Report: report(500, 3, 100, 0)},
		},
		RateRuns: []Cell{{Scenario: "order_detail", Rate: 2000, System: "gqlbff", Report: &probe.Report{
			Result: load.Result{Ops: 2000, Seconds: 1}, PeakRSSKiB: 150 << 10}}},
		Answers: map[string]map[string]string{"me": {"naive": "not available: no"}},
	}
	var b strings.Builder
	res.Markdown(&b, "make bench")
	md := b.String()
	for _, want := range []string{
		"| orders_fanout | 32 | 50 · 100 · 10 · 25 · 20 | 0.50 | 30.0 · 10.0 · 90.0 · 80.0 · 70.0 | 3.00 | 4000 · 1000 · 9000 · 5000 · 5000 | 4.00 | 4.00 · 4.00 · 151.00 · 4.00 · 4.00 | 0 · 0 · 0 · 0 · 0 |",
		"| me | 32 | 900 · 1000 · n/a · n/a · 500 | 0.90 | 1.3 · 1.0 · n/a · n/a · 3.0 | 1.30 |",
		"the clients rotate over 3 users",
		"`taskset -c 0`, `GOMAXPROCS=1`",
		"Test CPU",
		"make bench",
		"throughput >= 0.9x the limit's: **missed**: orders_fanout/32 0.50.",
		"p99 <= 1.3x the limit's: **missed**: orders_fanout/32 3.00x.",
		"throughput >= 2x mercurius (graphql-jit)'s: **missed**: me/32 1.80.",
		"mercurius (graphql-jit)'s CPU per operation over gqlbff's: orders_fanout/32 1.25x, me/32 2.00x.",
		"throughput >= 3x Apollo Server 5's: **missed**: orders_fanout/32 2.00.",
		"Apollo Server 5's CPU per operation over gqlbff's: orders_fanout/32 1.25x.",
		"Fan-out allocations per operation <= 1.5x the limit's at 32 clients: 5000 against 3000, 1.67x, **missed**.",
		"gqlbff 4.00, limit 4.00, naive 151.00, apollo 4.00, mercurius 4.00",
		"150.0 MiB, **missed**",
		"naive on me: not available: no",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("want %q in\n%s", want, md)
		}
	}
}

func TestMedian(t *testing.T) {
	cells := []Cell{{Report: report(30, 0, 0, 0)}, {Report: report(10, 0, 0, 0)}, {Report: report(20, 0, 0, 0)}}
	if got := median(cells).Report.Ops; got != 20 {
		t.Errorf("got %d ops, want the median 20", got)
	}
	if got := median(append(cells, Cell{NA: "load failed"})); got.NA != "load failed" {
		t.Errorf("got %+v, want the failed round", got)
	}
}

func TestPick(t *testing.T) {
	all, err := pick(nil)
	if err != nil || len(all) < 6 {
		t.Errorf("no filter: got %d scenarios, %v; want them all", len(all), err)
	}
	if got, err := pick([]string{"me", "orders_fanout"}); err != nil || len(got) != 2 || got[0].Name != "me" {
		t.Errorf("got %v, %v; want me and orders_fanout", got, err)
	}
	if _, err := pick([]string{"nope"}); err == nil {
		t.Error("unknown scenario: got no error")
	}
}

func TestMarkdownShowsTheOverloadRow(t *testing.T) {
	rep := func(ops, errs int, kinds map[string]int, p99 float64) *probe.Report {
		return &probe.Report{Result: load.Result{Ops: ops, Errors: errs, ErrorKinds: kinds, Seconds: 10,
			OKLatency: load.Latency{P50: p99 / 2, P99: p99}}}
	}
	for _, tc := range []struct {
		name string
		over *probe.Report
		want []string
	}{
		{"met", rep(20000, 12000, map[string]int{overloadKind: 11000, notSentKind: 1000}, 9), []string{
			"| open loop 2000/s (2x) | 20000 | 8000 | 800 | 11000 | 1000 | none | 4.5 / 9.0 |",
			"the accepted requests' p99 is 1.8x the unloaded p99 (target: within 2x: met) and 0.2x the p99 at capacity; failures other than OVERLOADED: none (target: none: met)",
		}},
		{"missed", rep(20000, 12000, map[string]int{overloadKind: 11000, "graphql SOURCE_UNAVAILABLE": 1000}, 50), []string{
			"| open loop 2000/s (2x) | 20000 | 8000 | 800 | 11000 | 0 | graphql SOURCE_UNAVAILABLE ×1000 | 25.0 / 50.0 |",
			"10.0x the unloaded p99 (target: within 2x: **not met**) and 1.2x the p99 at capacity; failures other than OVERLOADED: graphql SOURCE_UNAVAILABLE ×1000 (target: none: **not met**)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &OverloadRun{Scenario: "dashboard", Clients: 32, Capacity: 1000,
				Unloaded: rep(1000, 0, nil, 5), Full: rep(10000, 0, nil, 40), Over: tc.over}
			var b strings.Builder
			o.markdown(&b)
			for _, want := range append(tc.want, "### Overload: gqlbff on dashboard at twice its capacity",
				"| 32 clients (capacity 1000/s) | 10000 | 10000 | 1000 | 0 | 0 | none | 20.0 / 40.0 |") {
				if !strings.Contains(b.String(), want) {
					t.Errorf("want %q in\n%s", want, b.String())
				}
			}
		})
	}
	// Each row says how much CPU the server got and how busy both CPUs
	// were: on a shared machine the ratio means little without them.
	over := rep(20000, 12000, map[string]int{overloadKind: 12000}, 9)
	over.CPUUtil, over.OthersUtil, over.CPUBusy = 0.62, 0.45, []float64{1, 0.97}
	var cpu strings.Builder
	(&OverloadRun{Scenario: "dashboard", Clients: 32, Capacity: 1000,
		Unloaded: rep(1000, 0, nil, 5), Full: rep(10000, 0, nil, 40), Over: over}).markdown(&cpu)
	if want := "| 4.5 / 9.0 | n/a | 0.0 | 0 | 0.62 | 1.00 | 0.45 | 0.97 |"; !strings.Contains(cpu.String(), want) {
		t.Errorf("want %q in\n%s", want, cpu.String())
	}
	// A "2x" run that refused nothing was no overload: no verdict.
	var none strings.Builder
	(&OverloadRun{Scenario: "dashboard", Clients: 32, Capacity: 1000,
		Unloaded: rep(1000, 0, nil, 5), Full: rep(10000, 0, nil, 40), Over: rep(20000, 0, nil, 9)}).markdown(&none)
	if want := "nothing was refused, so this run was no overload"; !strings.Contains(none.String(), want) || strings.Contains(none.String(), "target: within 2x") {
		t.Errorf("want %q and no verdict in\n%s", want, none.String())
	}
	// -before: the same row for gqlbff-before, under its own heading.
	var before strings.Builder
	(&OverloadRun{System: "gqlbff-before", Scenario: "dashboard", NA: "gqlbff-before is not among the systems"}).markdown(&before)
	if want := "### Overload: gqlbff-before on dashboard at twice its capacity\n\nNot run: gqlbff-before is not among the systems."; !strings.Contains(before.String(), want) {
		t.Errorf("want %q in\n%s", want, before.String())
	}
	var b strings.Builder
	(&OverloadRun{Scenario: "dashboard", NA: "gqlbff is not among the systems"}).markdown(&b)
	if !strings.Contains(b.String(), "Not run: gqlbff is not among the systems.") {
		t.Errorf("not run: got %s", b.String())
	}
}
