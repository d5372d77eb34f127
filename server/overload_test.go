package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

// checkOverloaded fails unless a is the OVERLOADED answer: 503, a JSON
// errors body with that code, and Retry-After.
func checkOverloaded(t *testing.T, a answer) {
	t.Helper()
	var body struct {
		Data   json.RawMessage `json:"data"`
		Errors []testkit.Error `json:"errors"`
	}
	if err := json.Unmarshal(a.body, &body); err != nil || a.status != http.StatusServiceUnavailable ||
		len(body.Errors) != 1 || body.Errors[0].Code() != server.CodeOverloaded || body.Data != nil ||
		a.header.Get("Retry-After") != "1" || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Errorf("refused request: got %d %v %s (Retry-After %q), want 503 OVERLOADED with Retry-After",
			a.status, a.header, a.body, a.header.Get("Retry-After"))
	}
}

// TestOverloadRefusesAtTheDoor: with every slot taken and the line full,
// a request is refused before its body or token is read (a broken body and
// no token still get OVERLOADED), while health, readiness and metrics
// answer; once a slot is free, requests run again.
func TestOverloadRefusesAtTheDoor(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.HTTP.MaxInFlight = 2
		c.HTTP.QueueTimeout = 30 * time.Millisecond
	}))
	h.readyz(context.Background()) // the first probe, before the sources slow down
	h.svcs.Orders.SetLatency(time.Second)
	slow := make(chan answer, 2)
	for _, id := range []string{"o41", "o42"} { // two ids: two calls, not one coalesced
		go func() { slow <- h.query(`query($id: ID!) { order(id: $id) { id } }`, map[string]any{"id": id}) }()
	}
	eventually(t, "both slots to be taken", func() bool { return h.svcs.Orders.InFlight() == 2 })

	start := time.Now()
	checkOverloaded(t, h.query(`{ me { name } }`, nil))
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("the refusal took %s, want about the queue timeout", d)
	}
	checkOverloaded(t, h.do(context.Background(), http.MethodPost, "/graphql", "application/json", strings.NewReader(`{"query": `), "Authorization", ""))
	checkOverloaded(t, h.get(map[string][]string{"query": {"{ me { name } }"}}))
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if a := h.do(context.Background(), http.MethodGet, path, "", nil); a.status != http.StatusOK {
			t.Errorf("%s at the limit: got %d, want 200 (never shed)", path, a.status)
		}
	}
	m := h.scrape()
	m.want(t,
		seriesWant{"gqlbff_http_concurrency_limit", "", 2},
		seriesWant{"gqlbff_http_in_flight", "", 2},
		seriesWant{"gqlbff_http_shed_total", "", 3},
		seriesWant{"gqlbff_errors_total", "code=OVERLOADED", 3},
	)
	for range 2 {
		if a := <-slow; a.status != http.StatusOK {
			t.Errorf("an admitted request: got %d %s", a.status, a.body)
		} else {
			a.response(t)
		}
	}
	h.svcs.Orders.SetLatency(0)
	if a := h.query(`{ me { name } }`, nil); a.status != http.StatusOK {
		t.Errorf("with slots free again: got %d %s, want 200", a.status, a.body)
	}
}

// TestQueuedRequestRunsWhenASlotFrees: a request that waits in line runs
// as soon as a slot frees within the queue timeout, and its access line
// says how long it waited (queue_ms); the one that found the slot free
// has none.
func TestQueuedRequestRunsWhenASlotFrees(t *testing.T) {
	var buf syncBuffer
	h := newHarness(t, withConfig(func(c *server.Config) {
		c.HTTP.MaxInFlight = 1
		c.HTTP.QueueTimeout = 5 * time.Second
	}), withLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	h.svcs.Orders.SetLatency(300 * time.Millisecond)
	first := make(chan answer, 1)
	go func() { first <- h.query(`{ order(id: "o42") { id } }`, nil, "X-Request-Id", "first") }()
	eventually(t, "the slot to be taken", func() bool { return h.svcs.Orders.InFlight() == 1 })
	a := h.query(`{ order(id: "o42") { id } }`, nil, "X-Request-Id", "queued")
	if a.status != http.StatusOK {
		t.Errorf("queued request: got %d %s, want 200 once the slot freed", a.status, a.body)
	}
	a.response(t)
	(<-first).response(t)
	for _, l := range buf.lines(t, "request") {
		q, has := l["queue_ms"].(float64)
		switch l["request_id"] {
		case "first":
			if has {
				t.Errorf("the request that found the slot free: queue_ms %v, want none", q)
			}
		case "queued":
			if d, _ := l["duration_ms"].(float64); q < 100 || q > d {
				t.Errorf("the queued request: queue_ms %v (duration_ms %v), want the wait for the slot (~300ms)", l["queue_ms"], d)
			}
		}
	}
}

// TestOverloadUnderRealLoad drives gqlbff, adaptive limit as shipped, with
// many more concurrent clients than it can serve at its source latency:
// every refused request is a 503 OVERLOADED with Retry-After, every
// admitted one succeeds whole (no partial answer from a bulkhead), and
// goroutines and heap stay flat while the overload lasts.
func TestOverloadUnderRealLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	r := startRun(t, func(c *server.Config) {
		// Small bulkheads, so that letting everything in would degrade the
		// answers, as the issue measured; the admission limit must stop it.
		c.Sources.MaxInFlight = 24
		c.Sources.InFlightWait = 20 * time.Millisecond
		c.Log.Level = "error"
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1e15, RestoreRate: 1e12}
	})
	r.svcs.Orders.SetLatency(20 * time.Millisecond)
	r.svcs.Customers.SetLatency(20 * time.Millisecond)
	r.svcs.Analytics.SetLatency(20 * time.Millisecond)

	// Enough clients to overload the CPU on an idle machine too: with 160,
	// an idle 2-core machine served them all (the sources' latency, not the
	// CPU, bounded them) and nothing was refused.
	const clients = 400
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	body := mustJSON(map[string]any{"query": operation(t, "dashboard")})

	var ok, refused, failed atomic.Int64
	var failures sync.Map
	client := func(ctx context.Context) {
		for ctx.Err() == nil {
			req, _ := http.NewRequest(http.MethodPost, "http://"+r.addr+"/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", bearer(defaultToken))
			resp, err := hc.Do(req)
			if err != nil {
				failed.Add(1)
				failures.Store(err.Error(), true)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			a := answer{status: resp.StatusCode, header: resp.Header, body: b}
			switch {
			case a.status == http.StatusServiceUnavailable:
				checkOverloaded(t, a)
				refused.Add(1)
				// A client honouring Retry-After would wait a second;
				// these come back at once, to keep the pressure on.
			case a.status == http.StatusOK && !strings.Contains(string(b), `"errors"`):
				ok.Add(1)
			default:
				failed.Add(1)
				failures.Store(string(b[:min(len(b), 300)]), true)
			}
		}
	}
	// A server starts unloaded (readiness gates its traffic): a second at
	// a few clients, then the overload.
	var wg sync.WaitGroup
	warm, stopWarm := context.WithTimeout(context.Background(), time.Second)
	defer stopWarm()
	for range 4 {
		wg.Go(func() { client(warm) })
	}
	wg.Wait()
	t.Logf("after the warm-up: %s", limitLine(t, hc, r.addr))
	ctx, stop := context.WithTimeout(context.Background(), 4*time.Second)
	defer stop()
	for range clients {
		wg.Go(func() { client(ctx) })
	}
	// Sample the process while the load runs: the last second's peak must
	// be no higher than the first's plus a margin (flat, not growing).
	var samples []sample
	var lines []string
	tick := time.NewTicker(200 * time.Millisecond)
	for ctx.Err() == nil {
		<-tick.C
		samples = append(samples, readSample())
		if len(samples)%5 == 0 {
			lines = append(lines, limitLine(t, hc, r.addr))
			t.Logf("%s", lines[len(lines)-1])
		}
	}
	tick.Stop()
	wg.Wait()

	t.Logf("admitted %d, refused %d, failed %d", ok.Load(), refused.Load(), failed.Load())
	shown := 0
	failures.Range(func(k, _ any) bool {
		t.Errorf("failure: %v", k)
		shown++
		return shown < 5
	})
	if ok.Load() == 0 || refused.Load() == 0 {
		t.Errorf("admitted %d, refused %d: want both (an overload that the limit handles)", ok.Load(), refused.Load())
	}
	// The line turned to its overloaded mode (newest first, a short wait):
	// the refusals above include the ones it makes.
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "gqlbff_http_queue_overloaded 1") }) {
		t.Errorf("the line never showed overloaded during the load: %q", lines)
	}
	// The adaptive limit read the process's CPU under the load.
	if !slices.ContainsFunc(lines, func(l string) bool {
		_, v, found := strings.Cut(l, "gqlbff_http_cpu_busy ")
		v, _, _ = strings.Cut(v, ";")
		busy, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return found && err == nil && busy > 0
	}) {
		t.Errorf("the CPU's share never showed during the load: %q", lines)
	}
	if len(samples) >= 10 {
		early, late := peak(samples[2:6]), peak(samples[len(samples)-4:])
		t.Logf("early peak %+v, late peak %+v", early, late)
		if late.goroutines > early.goroutines*3/2+50 {
			t.Errorf("goroutines grew under load: %d early, %d late", early.goroutines, late.goroutines)
		}
		if late.heap > early.heap*3/2+16<<20 {
			t.Errorf("heap grew under load: %d early, %d late", early.heap, late.heap)
		}
	}
	// Health answers during and after.
	if resp, err := hc.Get("http://" + r.addr + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz after the load: %v", err)
	} else {
		resp.Body.Close()
	}
}

type sample struct {
	goroutines int
	heap       uint64
}

func readSample() sample {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return sample{goroutines: runtime.NumGoroutine(), heap: s[0].Value.Uint64()}
}

func peak(ss []sample) sample {
	var p sample
	for _, s := range ss {
		p.goroutines = max(p.goroutines, s.goroutines)
		p.heap = max(p.heap, s.heap)
	}
	return p
}

// limitLine is the admission series of gqlbff's /metrics.
func limitLine(t *testing.T, hc *http.Client, addr string) string {
	resp, err := hc.Get("http://" + addr + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "gqlbff_http_") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "; ")
}
