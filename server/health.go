package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// healthz answers 200 while the process serves.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// readiness answers /readyz from a probe of every source, cached for a
// short while so that a flood of probes does not become a flood of calls.
// Probes go through each source's breaker: while it is open the source
// counts as unreachable without being called.
type readiness struct {
	src     *sources.Sources
	timeout time.Duration
	ttl     time.Duration

	mu      sync.Mutex
	checked time.Time
	body    []byte
	ready   bool
}

type sourceState struct {
	Reachable bool   `json:"reachable"`
	Breaker   string `json:"breaker"`
	Error     string `json:"error,omitempty"`
}

func (rd *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if time.Since(rd.checked) > rd.ttl {
		ctx, cancel := context.WithTimeout(r.Context(), rd.timeout)
		results := rd.src.Probe(ctx)
		cancel()
		breakers := rd.src.Breakers()
		states := make(map[string]sourceState, len(results))
		rd.ready = true
		for name, err := range results {
			st := sourceState{Reachable: err == nil, Breaker: breakers[name].String()}
			if se, ok := sources.AsError(err); ok {
				st.Error = sourceErrorCode(se)
			}
			if err != nil {
				rd.ready = false
			}
			states[name] = st
		}
		rd.body, _ = json.Marshal(map[string]any{"ready": rd.ready, "sources": states})
		rd.checked = time.Now()
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !rd.ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(rd.body)
}
