package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

type readyBody struct {
	Ready   bool
	Status  string
	Sources map[string]struct {
		Reachable bool
		Breaker   string
		Error     string
	}
}

func (h *harness) readyz(ctx context.Context) (answer, readyBody) {
	h.t.Helper()
	a := h.do(ctx, http.MethodGet, "/readyz", "", nil)
	var b readyBody
	if err := json.Unmarshal(a.body, &b); err != nil {
		h.t.Fatalf("readyz body %q: %v", a.body, err)
	}
	return a, b
}

// TestReadinessSurvivesACancelledFirstCaller: the first /readyz caller goes
// away while the first probe is running; the probe runs on its own context,
// so it completes, and later callers see every source reachable. Until it
// is in, /readyz is 503 (starting).
func TestReadinessSurvivesACancelledFirstCaller(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withConfig(func(c *server.Config) { c.Sources.Timeout = 5 * time.Second }))
	h.svcs.Orders.SetLatency(1200 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/readyz", nil)
	if resp, err := h.http.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("first caller: got %d, want its own deadline to cut it", resp.StatusCode)
	}

	a, b := h.readyz(context.Background())
	if a.status != http.StatusServiceUnavailable || b.Ready || b.Status != "starting" {
		t.Errorf("while the first probe runs: got %d %s, want 503 starting", a.status, a.body)
	}
	eventually(t, "the first probe to complete", func() bool {
		a, b = h.readyz(context.Background())
		return a.status == http.StatusOK
	})
	if !b.Ready || b.Status != "ready" || len(b.Sources) != 3 {
		t.Fatalf("after the first probe: got %s", a.body)
	}
	for name, s := range b.Sources {
		if !s.Reachable || s.Error != "" {
			t.Errorf("%s: got %+v, want reachable (the cancelled caller must not spoil the probe)", name, s)
		}
	}
}

// TestReadinessProbesOnItsOwnSchedule: requests read the last probe, they
// do not cause calls; the background probe finds a source back up without a
// caller's help.
func TestReadinessProbesOnItsOwnSchedule(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if before := h.calls(); before != 0 {
		t.Fatalf("calls before any /readyz: got %d, want none (probing starts with the first probe request)", before)
	}
	h.svcs.Analytics.SetDown(true)
	a, b := h.readyz(context.Background())
	if a.status != http.StatusOK || b.Sources["analytics"].Reachable || b.Sources["analytics"].Error != server.CodeSourceUnavailable {
		t.Errorf("with analytics down: got %d %s, want 200 and analytics unreachable", a.status, a.body)
	}
	calls, start := h.calls(), time.Now()
	for range 50 {
		h.readyz(context.Background())
	}
	// A background probe is at most 6 calls (3 sources, one retry each),
	// once a second.
	if extra, most := h.calls()-calls, 6*(1+int(time.Since(start)/time.Second)); extra > most {
		t.Errorf("50 probe requests made %d source calls, want only the background probe's (at most %d)", extra, most)
	}
	h.svcs.Analytics.SetDown(false)
	eventually(t, "the background probe to see analytics back", func() bool {
		_, b = h.readyz(context.Background())
		return b.Sources["analytics"].Reachable
	})
}

// TestDrainOnShutdown: on shutdown, /readyz answers 503 at once (on the
// public and the admin listener) while requests are still served for the
// drain delay; then the listener closes.
func TestDrainOnShutdown(t *testing.T) {
	t.Parallel()
	const delay = 1500 * time.Millisecond
	r := startRun(t, func(c *server.Config) {
		c.HTTP.DrainDelay = delay
		c.Admin.Listen = "127.0.0.1:0"
	})
	hc := freshClient(t)
	get := func(url string) (int, readyBody) {
		resp, err := hc.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		var b readyBody
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}
	if st, _ := get("http://" + r.addr + "/readyz"); st != http.StatusOK {
		t.Fatalf("before shutdown: got %d, want 200", st)
	}
	start := time.Now()
	r.stop()
	for _, addr := range []string{r.addr, r.admin} {
		eventually(t, "readyz to fail", func() bool { st, _ := get("http://" + addr + "/readyz"); return st == 503 })
		if _, b := get("http://" + addr + "/readyz"); b.Status != "draining" || b.Ready {
			t.Errorf("%s while draining: got %+v, want draining", addr, b)
		}
	}
	a := <-postAsync(t, r.addr, `{"query":"{ dashboard { summary { orderCount } } }"}`)
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("a query while draining: got %d %v, want 200", a.status, a.err)
	}
	a.response(t)
	if time.Since(start) > delay {
		t.Skip("the machine is too slow to check the drain within its delay")
	}
	if err := r.wait(t, delay+3*time.Second); err != nil {
		t.Errorf("Run: %v", err)
	}
	if d := time.Since(start); d < delay {
		t.Errorf("Run returned %s after the signal, want after the drain delay of %s", d, delay)
	}
}
