package driver

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/probe"
)

// TestOwnLatencyReadsTheAcceptedRequestsOfTheRun: the durations of the
// GraphQL requests answered 200 and ok within the run's time, not the
// refusals, the partial answers, the other paths or the lines before and
// after it.
func TestOwnLatencyReadsTheAcceptedRequestsOfTheRun(t *testing.T) {
	at := time.Date(2026, 12, 6, 19, 0, 0, 0, time.UTC)
	line := func(d time.Duration, path string, status int, outcome string, ms, queue float64) string {
		return fmt.Sprintf(`{"time":%q,"level":"INFO","msg":"request","method":"POST","path":%q,"status":%d,"outcome":%q,"duration_ms":%g,"queue_ms":%g}`,
			at.Add(d).Format(time.RFC3339Nano), path, status, outcome, ms, queue)
	}
	var lines []string
	lines = append(lines, line(-time.Second, "/graphql", 200, "ok", 500, 0)) // before the run
	for i := 1; i <= 100; i++ {
		lines = append(lines, line(time.Duration(i)*10*time.Millisecond, "/graphql", 200, "ok", float64(i), float64(i)/10))
		lines = append(lines, line(time.Duration(i)*10*time.Millisecond, "/graphql", 503, "error", 0.01, 0))
	}
	lines = append(lines,
		line(500*time.Millisecond, "/graphql", 200, "partial", 900, 0), // a partial answer is no accepted one
		line(500*time.Millisecond, "/healthz", 200, "ok", 900, 0),
		`{"time":"2026-12-06T19:00:00.5Z","level":"INFO","msg":"gqlbff serving"}`,
		line(3*time.Second, "/graphql", 200, "ok", 700, 0)) // after it
	path := filepath.Join(t.TempDir(), "gqlbff.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ownLatency(path, at, at.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := (OwnLatency{N: 100, P50: 50, P99: 99, QueueP99: 9.9}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, err := ownLatency(path, at.Add(time.Hour), at.Add(2*time.Hour)); err != nil || got.N != 0 {
		t.Errorf("a run with nothing logged: got %+v, %v; want N 0", got, err)
	}
	if _, err := ownLatency(filepath.Join(t.TempDir(), "none.log"), at, at); err == nil {
		t.Error("no log: got no error")
	}
}

// TestMarkdownShowsGqlbffsOwnLatency: the row's column and its ratio,
// beside the load generator's.
func TestMarkdownShowsGqlbffsOwnLatency(t *testing.T) {
	rep := func(ops, errs int, kinds map[string]int, p99 float64) *probe.Report {
		return &probe.Report{Result: load.Result{Ops: ops, Errors: errs, ErrorKinds: kinds, Seconds: 10,
			OKLatency: load.Latency{P50: p99 / 2, P99: p99}}}
	}
	o := &OverloadRun{Scenario: "dashboard", Clients: 32, Capacity: 1000,
		Unloaded: rep(1000, 0, nil, 5), Full: rep(10000, 0, nil, 40), Over: rep(20000, 12000, map[string]int{overloadKind: 12000}, 30),
		Below:       rep(16000, 0, nil, 15),
		OwnUnloaded: OwnLatency{N: 1000, P50: 2.9, P99: 4.4}, OwnBelow: OwnLatency{N: 16000, P50: 4, P99: 11}, OwnOver: OwnLatency{N: 8000, P50: 5.7, P99: 22, QueueP99: 3.5}}
	var b strings.Builder
	o.markdown(&b)
	for _, want := range []string{
		"| 1 client (unloaded) | 1000 | 1000 | 100 | 0 | 0 | none | 2.5 / 5.0 | 2.9 / 4.4 |",
		"| 32 clients (capacity 1000/s) | 10000 | 10000 | 1000 | 0 | 0 | none | 20.0 / 40.0 | n/a |",
		"| open loop 2000/s (2x) | 20000 | 8000 | 800 | 12000 | 0 | none | 15.0 / 30.0 | 5.7 / 22.0 |",
		"the accepted requests' p99 at 2x is 5.0x the unloaded one (22.0 against 4.4 ms; the wait for a slot's p99: 3.5 ms)",
		"| open loop 800/s (0.8x, below capacity) | 16000 | 16000 | 1600 | 0 | 0 | none | 7.5 / 15.0 | 4.0 / 11.0 |",
		"the open loop at 0.8x the capacity had an accepted p99 of 15.0 ms, 3.0x the unloaded one (0 refused), so that much of the latency at 2x is any open loop's at that concurrency; against it the accepted p99 at 2x is 2.0x (by gqlbff's own clock 2.0x: 22.0 against 11.0 ms).",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("want %q in\n%s", want, b.String())
		}
	}
}
