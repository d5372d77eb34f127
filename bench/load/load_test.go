package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server answers like a GraphQL server: every 4th request with a GraphQL
// error, every 10th with a 503; it counts what it got.
func server(t *testing.T, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("Authorization") != "Bearer t" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		time.Sleep(delay)
		switch {
		case i%10 == 0:
			w.WriteHeader(http.StatusServiceUnavailable)
		case i%4 == 0:
			_, _ = w.Write([]byte(`{"data":{"x":null},"errors":[{"message":"m","extensions":{"code":"SOURCE_TIMEOUT"}}]}`))
		default:
			_, _ = w.Write([]byte(`{"data":{"x":"not \"errors\": a member"}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func request(url string) []Request {
	return []Request{{Method: http.MethodPost, URL: url, Header: http.Header{"Authorization": {"Bearer t"}}, Body: []byte(`{}`)}}
}

func TestClosedLoopCountsEveryAnswer(t *testing.T) {
	srv, n := server(t, 0)
	c := srv.Client()
	defer c.CloseIdleConnections()
	res, err := Run(context.Background(), c, Config{Requests: request(srv.URL), Concurrency: 4, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	got := int64(res.Ops)
	if got == 0 || got != n.Load() {
		t.Fatalf("ops: got %d, want the %d the server answered (the run ends quiet)", got, n.Load())
	}
	wantTimeouts, want503 := got/4-got/20, got/10
	if res.ErrorKinds["graphql SOURCE_TIMEOUT"] != int(wantTimeouts) || res.ErrorKinds["status 503"] != int(want503) {
		t.Errorf("error kinds: got %v, want %d SOURCE_TIMEOUT and %d 503 of %d", res.ErrorKinds, wantTimeouts, want503, got)
	}
	if res.Errors != int(wantTimeouts+want503) || !strings.Contains(res.ErrorSamples["graphql SOURCE_TIMEOUT"], `"SOURCE_TIMEOUT"`) {
		t.Errorf("errors: got %d, samples %v", res.Errors, res.ErrorSamples)
	}
	if res.Latency.P50 <= 0 || res.Latency.P99 < res.Latency.P50 || res.Throughput() <= 0 {
		t.Errorf("latency %+v, throughput %v: want positive, ordered", res.Latency, res.Throughput())
	}
}

func TestOpenLoopKeepsTheRateAndBoundsInFlight(t *testing.T) {
	tests := []struct {
		name                string
		delay               time.Duration
		maxInFlight         int
		wantSentAtMost      int
		wantOverloadAtLeast int
	}{
		{"fast server", 0, 100, 50, 0},
		{"slow server, bound 2", 200 * time.Millisecond, 2, 4, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := server(t, tt.delay)
			c := srv.Client()
			defer c.CloseIdleConnections()
			res, err := Run(context.Background(), c, Config{Requests: request(srv.URL), Rate: 200, MaxInFlight: tt.maxInFlight, Duration: 250 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if res.Ops != 50 {
				t.Errorf("ops due: got %d, want 50 (200/s for 250ms)", res.Ops)
			}
			if int(n.Load()) > tt.wantSentAtMost || res.ErrorKinds["overload"] < tt.wantOverloadAtLeast {
				t.Errorf("sent %d (want at most %d), overload %d (want at least %d)", n.Load(), tt.wantSentAtMost, res.ErrorKinds["overload"], tt.wantOverloadAtLeast)
			}
		})
	}
}

func TestIntervalsAddUpToTheRun(t *testing.T) {
	srv, _ := server(t, 0)
	c := srv.Client()
	defer c.CloseIdleConnections()
	var sum int
	var slices int
	res, err := Run(context.Background(), c, Config{
		Requests: request(srv.URL), Rate: 400, Duration: 260 * time.Millisecond,
		Interval: 50 * time.Millisecond, OnInterval: func(r Result) { sum += r.Ops; slices++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if slices < 4 || sum > res.Ops || sum < res.Ops-30 {
		t.Errorf("got %d slices summing to %d ops, want at least 4 summing to about %d", slices, sum, res.Ops)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no request", Config{Concurrency: 1}},
		{"neither concurrency nor rate", Config{Requests: request("http://x")}},
		{"both", Config{Requests: request("http://x"), Concurrency: 1, Rate: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), http.DefaultClient, tt.cfg); err == nil {
				t.Error("got no error, want one")
			}
		})
	}
}

func TestPercentiles(t *testing.T) {
	d := make([]time.Duration, 0, 100)
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	got := Percentiles(d)
	want := Latency{P50: 50, P95: 95, P99: 99, Max: 100, Mean: 50.5}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if (Percentiles(nil) != Latency{}) {
		t.Error("no latencies: want zeros")
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string // Failure kind, "" for nil
	}{
		{"data", 200, `{"data":{"me":null}}`, ""},
		{"errors in a string", 200, `{"data":{"s":"\"errors\":"}}`, ""},
		{"graphql error", 200, `{"errors":[{"message":"x","extensions":{"code":"PERSISTED_QUERY_NOT_FOUND"}}]}`, "graphql PERSISTED_QUERY_NOT_FOUND"},
		{"error without code", 200, `{"errors":[{"message":"x"}]}`, "graphql no code"},
		{"status", 422, `{"errors":[]}`, "status 422"},
		{"refusal with a code", 503, `{"errors":[{"message":"x","extensions":{"code":"OVERLOADED"}}]}`, "status 503 OVERLOADED"},
		{"plain refusal", 503, `overloaded`, "status 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.status, []byte(tt.body))
			got := ""
			if f, ok := err.(*Failure); ok {
				got = f.Kind
			}
			if got != tt.want {
				t.Errorf("got %v, want kind %q", err, tt.want)
			}
		})
	}
}

// TestPreopenLeavesNConnectionsOpen: n requests at once, each on a
// connection of its own, all of them kept for the run after.
func TestPreopenLeavesNConnectionsOpen(t *testing.T) {
	const n = 12
	var mu sync.Mutex
	conns := map[string]bool{}
	arrived := make(chan struct{}, n)
	all := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		// Held until all n are in: no request finds another's connection
		// idle, so the n are n connections.
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-all:
		case <-time.After(5 * time.Second):
		}
		w.WriteHeader(http.StatusServiceUnavailable) // a refusal keeps the connection too
	}))
	srv.Start()
	defer srv.Close()
	go func() {
		for range n {
			<-arrived
		}
		close(all)
	}()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer c.CloseIdleConnections()
	Preopen(context.Background(), c, Config{Requests: request(srv.URL)}, n)
	if len(conns) != n {
		t.Fatalf("Preopen(%d) opened %d connections", n, len(conns))
	}
	// The run after it opens none.
	if _, err := Run(context.Background(), c, Config{Requests: request(srv.URL), Concurrency: n, Duration: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if len(conns) != n {
		t.Errorf("after a closed loop of %d: %d connections, want the %d preopened", n, len(conns), n)
	}
}
