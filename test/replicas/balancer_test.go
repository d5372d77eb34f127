package replicas_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The balancer stands for a Kubernetes Service: it sends each request to
// the next replica in turn among those in service. A replica is in service
// while its /readyz answers 200 (probed every probeEvery, like a readiness
// probe) and it is not terminating. A terminating replica leaves the
// rotation only after endpointLag, as endpoint changes take a while to
// reach every proxy. A connection refused (nothing was sent) is tried on
// the next replica; any other failure is the client's.
const (
	probeEvery  = 50 * time.Millisecond
	endpointLag = 150 * time.Millisecond
	// drainDelay is GQLBFF_HTTP_DRAIN_DELAY: after SIGTERM the replica
	// answers /readyz with 503 while still serving, then closes its
	// listener. It outlasts endpointLag plus a probe.
	drainDelay = 600 * time.Millisecond
)

type backend struct {
	addr   string
	ready  atomic.Bool
	out    atomic.Bool
	served atomic.Int64
}

type balancer struct {
	t        *testing.T
	url      string
	backends []*backend
	next     atomic.Uint64
	tr       *http.Transport
	done     chan struct{}
	probing  chan struct{}
}

func newBalancer(t *testing.T, addrs ...string) *balancer {
	t.Helper()
	lb := &balancer{t: t, tr: &http.Transport{MaxIdleConnsPerHost: 64}, done: make(chan struct{}), probing: make(chan struct{})}
	for _, a := range addrs {
		lb.backends = append(lb.backends, &backend{addr: a})
	}
	lb.probeAll()
	go lb.probe()
	srv := httptest.NewServer(lb)
	lb.url = srv.URL
	t.Cleanup(func() {
		srv.Close()
		close(lb.done)
		<-lb.probing
		lb.tr.CloseIdleConnections()
	})
	return lb
}

func (lb *balancer) probe() {
	defer close(lb.probing)
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		select {
		case <-lb.done:
			return
		case <-tick.C:
			lb.probeAll()
		}
	}
}

func (lb *balancer) probeAll() {
	hc := &http.Client{Transport: lb.tr, Timeout: probeEvery * 4}
	for _, b := range lb.backends {
		resp, err := hc.Get("http://" + b.addr + "/readyz")
		if err != nil {
			b.ready.Store(false)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		b.ready.Store(resp.StatusCode == http.StatusOK)
	}
}

func (lb *balancer) backend(addr string) *backend {
	for _, b := range lb.backends {
		if b.addr == addr {
			return b
		}
	}
	lb.t.Fatalf("no backend %s", addr)
	return nil
}

// served is how many requests addr has answered through the balancer.
func (lb *balancer) served(addr string) int64 { return lb.backend(addr).served.Load() }

// terminate does what Kubernetes does to a pod it deletes: the endpoint
// goes out of the rotation (after endpointLag) while the process gets
// SIGTERM at once (no preStop hook: gqlbff's drain delay covers the lag),
// and it waits for the process to exit. The replica is back in the
// rotation once it is started again and ready.
func (lb *balancer) terminate(r *replica) {
	lb.t.Helper()
	b := lb.backend(r.addr)
	lagged := time.AfterFunc(endpointLag, func() { b.out.Store(true) })
	r.stop()
	lagged.Stop()
	b.ready.Store(false)
	b.out.Store(false)
}

func (lb *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := len(lb.backends)
	start := int(lb.next.Add(1))
	for i := range n {
		b := lb.backends[(start+i)%n]
		if !b.ready.Load() || b.out.Load() {
			continue
		}
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+b.addr+r.URL.RequestURI(), bytes.NewReader(body))
		out.Header = r.Header.Clone()
		resp, err := lb.tr.RoundTrip(out)
		if err != nil {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				b.ready.Store(false) // refused: nothing was sent, try the next
				continue
			}
			http.Error(w, "balancer: "+b.addr+": "+err.Error(), http.StatusBadGateway)
			return
		}
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		b.served.Add(1)
		return
	}
	http.Error(w, "balancer: no replica in service", http.StatusServiceUnavailable)
}
