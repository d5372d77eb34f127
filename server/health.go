package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// healthz answers 200 while the process serves.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// The readiness probe's schedule: every source is probed once a
// readinessInterval, each probe bounded by readinessTimeout.
const (
	readinessInterval = time.Second
	readinessTimeout  = 2 * time.Second
	// readinessFirstWait is how long a /readyz request waits for the first
	// probe: under a Kubernetes probe's default timeout of one second.
	readinessFirstWait = 800 * time.Millisecond
)

// readiness answers /readyz (DESIGN.md, HTTP surface): 503 while starting
// (until the first probe of the sources is in) and while draining after
// SIGTERM, else 200, whatever the sources' state: a down source is partial
// data, not unreadiness, and a 503 would take every replica out of service
// at once. The body shows each source's state from the last probe.
//
// The sources are probed in the background, on a schedule and a context of
// the readiness's own, from the first /readyz request on (a handler that
// is never probed calls no source on its own); a request only reads the
// last result, so a flood of probes is no flood of calls and a caller that
// goes away cannot spoil the result. Probes go through each source's
// breaker: while it is open the source counts as unreachable without being
// called.
type readiness struct {
	src      *sources.Sources
	interval time.Duration
	timeout  time.Duration
	// firstWait bounds how long a request waits for the first probe
	// before it answers 503 (starting).
	firstWait time.Duration

	ctx      context.Context
	cancel   context.CancelFunc
	mu       sync.Mutex // guards started against Close
	started  bool
	done     chan struct{} // closed when the prober has stopped
	first    chan struct{} // closed when the first probe is in
	last     atomic.Pointer[map[string]sourceState]
	draining atomic.Bool
}

type sourceState struct {
	Reachable bool   `json:"reachable"`
	Breaker   string `json:"breaker"`
	Error     string `json:"error,omitempty"`
}

// The states /readyz reports.
const (
	readyStarting = "starting"
	readyReady    = "ready"
	readyDraining = "draining"
)

func newReadiness(src *sources.Sources, interval, timeout time.Duration) *readiness {
	ctx, cancel := context.WithCancel(context.Background())
	return &readiness{src: src, interval: interval, timeout: timeout, firstWait: readinessFirstWait, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), first: make(chan struct{})}
}

// start starts the prober once; after close it does nothing.
func (rd *readiness) start() {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.started || rd.ctx.Err() != nil {
		return
	}
	rd.started = true
	go rd.run()
}

func (rd *readiness) run() {
	defer close(rd.done)
	t := time.NewTicker(rd.interval)
	defer t.Stop()
	rd.probe()
	close(rd.first)
	for {
		select {
		case <-rd.ctx.Done():
			return
		case <-t.C:
			rd.probe()
		}
	}
}

func (rd *readiness) probe() {
	ctx, cancel := context.WithTimeout(rd.ctx, rd.timeout)
	results := rd.src.Probe(ctx)
	cancel()
	breakers := rd.src.Breakers()
	states := make(map[string]sourceState, len(results))
	for name, err := range results {
		st := sourceState{Reachable: err == nil, Breaker: breakers[name].String()}
		if se, ok := sources.AsError(err); ok {
			st.Error = sourceErrorCode(se)
		}
		states[name] = st
	}
	rd.last.Store(&states)
}

// drain makes /readyz answer 503 from now on.
func (rd *readiness) drain() { rd.draining.Store(true) }

// close stops the prober and waits for it.
func (rd *readiness) close() {
	rd.mu.Lock()
	rd.cancel()
	started := rd.started
	rd.mu.Unlock()
	if started {
		<-rd.done
	}
}

func (rd *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rd.start()
	status := readyReady
	wait := time.NewTimer(rd.firstWait)
	defer wait.Stop()
	select {
	case <-rd.first:
	case <-wait.C:
		status = readyStarting
	case <-r.Context().Done():
		status = readyStarting
	case <-rd.ctx.Done():
		status = readyStarting
	}
	if rd.draining.Load() {
		status = readyDraining
	}
	var states map[string]sourceState
	if p := rd.last.Load(); p != nil {
		states = *p
	}
	body, _ := json.Marshal(struct {
		Ready   bool                   `json:"ready"`
		Status  string                 `json:"status"`
		Sources map[string]sourceState `json:"sources,omitempty"`
	}{status == readyReady, status, states})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if status != readyReady {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(body)
}
