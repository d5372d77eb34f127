package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/internal/diag"
	"github.com/gqlbff/gqlbff/sources/demo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTakeReadsSourcesServerAndProc(t *testing.T) {
	data := demo.NewDataset(1, 5, 20)
	var urls []string
	for _, name := range []string{"orders", "customers", "analytics"} {
		srv := httptest.NewServer(demo.NewService(name, data).Handler())
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	// The stats are behind a key, as on gqlbff's admin listener.
	const key = "a-bench-admin-key-of-32-characters-or-more"
	stats := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		diag.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(stats.Close)
	c := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(c.CloseIdleConnections)
	target := Target{Sources: urls, Stats: stats.URL + "/debug/stats", Key: key, PID: os.Getpid()}

	before, err := Take(context.Background(), c, target)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{urls[0] + "/orders?limit=1", urls[1] + "/customers/c1", urls[1] + "/customers/nobody", urls[2] + "/analytics/summary"} {
		resp, err := c.Get(p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Spin until this process has used 30 ms of CPU (not of wall time: on a
	// loaded machine 30 ms of wall time may get no CPU tick at all).
	for start, deadline := cpuTime(t), time.Now().Add(10*time.Second); cpuTime(t)-start < 30*time.Millisecond && time.Now().Before(deadline); {
	}
	after, err := Take(context.Background(), c, target)
	if err != nil {
		t.Fatal(err)
	}
	if got := after.SourceCalls - before.SourceCalls; got != 4 {
		t.Errorf("source calls: got %d, want 4", got)
	}
	if after.Server.AllocObjects <= before.Server.AllocObjects || after.Server.Goroutines == 0 {
		t.Errorf("server stats: got %+v then %+v, want allocations counted", before.Server, after.Server)
	}
	if after.Proc.CPU <= before.Proc.CPU || after.Proc.RSSKiB <= 0 || after.Proc.PeakRSSKiB < after.Proc.RSSKiB {
		t.Errorf("proc: got %+v then %+v, want CPU used, RSS > 0 and peak >= RSS", before.Proc, after.Proc)
	}
}

func TestTakeReportsAnUnreachableTarget(t *testing.T) {
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	if _, err := Take(context.Background(), c, Target{Sources: []string{srv.URL}}); err == nil {
		t.Error("got no error, want one for a source that does not answer")
	}
	if _, err := Take(context.Background(), c, Target{PID: -1}); err != nil {
		t.Errorf("pid -1 is no pid: got %v, want it skipped", err)
	}
}

var sink []byte

func TestResetPeak(t *testing.T) {
	sink = make([]byte, 64<<20)
	for i := range sink {
		sink[i] = 1
	}
	sink = nil
	debug.FreeOSMemory()
	before, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := ResetPeak(os.Getpid()); err != nil {
		t.Skipf("clear_refs not writable here: %v", err)
	}
	after, _ := ReadProc(os.Getpid())
	if before.PeakRSSKiB < 64<<10 || after.PeakRSSKiB >= before.PeakRSSKiB {
		t.Errorf("peak: got %d KiB, then %d after the reset; want >= 64 MiB, then less", before.PeakRSSKiB, after.PeakRSSKiB)
	}
}

func TestNewReport(t *testing.T) {
	at := time.Unix(0, 0)
	before := Snapshot{At: at, SourceCalls: 10, Server: diag.Stats{AllocObjects: 1000, AllocBytes: 5000}, Proc: Proc{CPU: time.Second}}
	after := Snapshot{At: at.Add(2 * time.Second), SourceCalls: 50, Server: diag.Stats{AllocObjects: 3000, AllocBytes: 25000, Goroutines: 7},
		Proc: Proc{CPU: 2 * time.Second, PeakRSSKiB: 900, RSSKiB: 800}}
	res := load.Result{Ops: 12, ErrorKinds: map[string]int{"overload": 2}}
	got := NewReport(res, before, after)
	if got.CallsPerOp != 4 || got.AllocsPerOp != 200 || got.BytesPerOp != 2000 || got.CPUPerOp != 100000 || got.CPUUtil != 0.5 ||
		got.PeakRSSKiB != 900 || got.RSSKiB != 800 || got.Goroutines != 7 {
		t.Errorf("got %+v; want 4 calls, 200 allocs, 2000 B, 100000 µs per op over the 10 sent, CPU 0.5, the after figures", got)
	}
}

// cpuTime is the user and system CPU this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
