package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// Service is one of the three REST services (orders, customers or analytics)
// over a Dataset, with fault knobs and call counters that are safe to use
// while it serves. Serve it with Handler (e.g. in httptest.NewServer) or with
// Start, Stop and Restart on a real listener.
type Service struct {
	name  string
	data  *Dataset
	route func(r *http.Request, k knobs) (int, any)

	mu        sync.Mutex
	k         knobs
	errAcc    int64 // error-rate accumulator, in parts per million
	calls     int
	cancelled int
	inFlight  int
	byPath    map[string]int
	log       []Request
	logNext   int
	quit      chan struct{} // closed by Stop: pending waits end early

	life   sync.Mutex // guards the listener state below
	addr   string
	srv    *http.Server
	served chan struct{}
}

// NewService returns the service called name (sources.OrdersSource,
// sources.CustomersSource or sources.AnalyticsSource) over data, not yet
// listening. A nil data means the default data set. It panics on an unknown
// name, which is a programming error.
func NewService(name string, data *Dataset) *Service {
	if data == nil {
		data = NewDataset(DefaultSeed, DefaultCustomers, DefaultOrders)
	}
	s := &Service{name: name, data: data, byPath: make(map[string]int), quit: make(chan struct{})}
	switch name {
	case sources.OrdersSource:
		s.route = data.serveOrders
	case sources.CustomersSource:
		s.route = data.serveCustomers
	case sources.AnalyticsSource:
		s.route = data.serveAnalytics
	default:
		panic(fmt.Sprintf("demo: unknown service %q", name))
	}
	return s
}

// Name returns the service's source name.
func (s *Service) Name() string { return s.name }

// Data returns the data set the service serves.
func (s *Service) Data() *Dataset { return s.data }

// Handler returns the service as an http.Handler: the REST contract, with
// its knobs applied, plus the /_demo/ admin endpoints.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// serveHTTP applies the knobs in this order: down, latency, status, error
// rate, malformed; then it routes the call and pads (oversized) and stalls
// the answer.
func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.admin(w, r)
		return
	}
	k, failed, quit := s.begin(r)
	defer s.end()
	if k.down {
		hangUp(w)
		return
	}
	if k.latency > 0 && !s.wait(r.Context(), quit, k.latency) {
		panic(http.ErrAbortHandler) // the caller left or the service stops: no answer
	}
	var status int
	var v any
	switch {
	case k.status != 0:
		if k.retryAfter != "" {
			w.Header().Set("Retry-After", k.retryAfter)
		}
		status, v = fail(k.status, "%s", cmp.Or(strings.ToLower(http.StatusText(k.status)), "status "+strconv.Itoa(k.status)))
	case failed:
		status, v = http.StatusServiceUnavailable, errorBody{Error: "unavailable"}
	case k.malformed:
		s.write(w, r, quit, k, http.StatusOK, []byte(`{"items": [`))
		return
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		status, v = fail(http.StatusMethodNotAllowed, "method not allowed")
	default:
		status, v = s.route(r, k)
	}
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	body = append(body, '\n')
	if status == http.StatusOK && k.oversized > 0 {
		body = pad(body, k.oversized)
	}
	s.write(w, r, quit, k, status, body)
}

// write sends the answer; with a stall knob it sends the first half of the
// body, flushes, and waits before sending the rest.
func (s *Service) write(w http.ResponseWriter, r *http.Request, quit <-chan struct{}, k knobs, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusOK && k.cacheControl != "" {
		w.Header().Set("Cache-Control", k.cacheControl)
	}
	if k.stall <= 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	w.WriteHeader(status)
	cut := max(len(body)/2, 1)
	_, _ = w.Write(body[:cut])
	_ = http.NewResponseController(w).Flush()
	if !s.wait(r.Context(), quit, k.stall) {
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(body[cut:])
}

// wait sleeps for d. It reports false, early, when the request is cancelled
// (which counts in Cancelled) or the service stops.
func (s *Service) wait(ctx context.Context, quit <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		s.mu.Lock()
		s.cancelled++
		s.mu.Unlock()
		return false
	case <-quit:
		return false
	}
}

// hangUp closes the connection without answering.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 and recorders cannot hijack: abort instead
	}
	_ = conn.Close()
}

// pad makes a JSON object answer at least n bytes long with a leading
// "padding" member, which decoders of the contract types ignore.
func pad(body []byte, n int) []byte {
	const head = `{"padding":"`
	if len(body) >= n || len(body) < 2 || body[0] != '{' {
		return body
	}
	fill := max(n-len(body)-len(head), 0)
	out := make([]byte, 0, len(body)+len(head)+fill+2)
	out = append(out, head...)
	out = append(out, strings.Repeat("x", fill)...)
	out = append(out, '"')
	if body[1] != '}' {
		out = append(out, ',')
	}
	return append(out, body[1:]...)
}
