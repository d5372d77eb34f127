package sources_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	dataOnce sync.Once
	data     *demo.Dataset
)

// smallData is a small seeded data set, built once for the package.
func smallData() *demo.Dataset {
	dataOnce.Do(func() { data = demo.NewDataset(demo.DefaultSeed, 50, 500) })
	return data
}

// startService starts one demo service on loopback for the test.
func startService(t *testing.T, name string) *demo.Service {
	t.Helper()
	svc := demo.NewService(name, smallData())
	if err := svc.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	return svc
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	sources.NopObserver
	mu       sync.Mutex
	outcomes []sources.Outcome
	retries  int
	joined   int
	states   []sources.BreakerState
}

func (r *recorder) StartCall(ctx context.Context, _ sources.CallInfo) (context.Context, func(sources.CallResult)) {
	return ctx, func(res sources.CallResult) {
		r.mu.Lock()
		r.outcomes = append(r.outcomes, res.Outcome)
		r.mu.Unlock()
	}
}

func (r *recorder) Retry(string, string) { r.mu.Lock(); r.retries++; r.mu.Unlock() }

func (r *recorder) Coalesced(string, string) { r.mu.Lock(); r.joined++; r.mu.Unlock() }

func (r *recorder) BreakerChanged(_ string, s sources.BreakerState) {
	r.mu.Lock()
	r.states = append(r.states, s)
	r.mu.Unlock()
}

func (r *recorder) Inject(_ context.Context, h http.Header) { h.Set("X-Observed", "1") }

func (r *recorder) attempts() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.outcomes) }

func (r *recorder) retryCount() int { r.mu.Lock(); defer r.mu.Unlock(); return r.retries }

func (r *recorder) lastState() sources.BreakerState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.states[len(r.states)-1]
}

// client is a Sources whose orders and customers clients talk to the given
// services with cfg (URL filled in), observed by a recorder.
type client struct {
	src *sources.Sources
	rec *recorder
}

func newClient(t *testing.T, orders, customers *demo.Service, cfg sources.ClientConfig) client {
	t.Helper()
	oc, cc := cfg, cfg
	if orders != nil {
		oc.URL = orders.URL()
	}
	if customers != nil {
		cc.URL = customers.URL()
	}
	rec := &recorder{}
	src := sources.New(sources.Config{Orders: oc, Customers: cc, Observer: rec})
	t.Cleanup(src.Close)
	return client{src: src, rec: rec}
}

// withTimeout is a context with a deadline, cancelled at the test's end.
func withTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// cancelledAfter waits up to d for svc to have seen one call cancelled,
// and returns how many it saw: the source sees a cancellation a moment
// after the caller gives up.
func cancelledAfter(svc *demo.Service, d time.Duration) int {
	deadline := time.Now().Add(d)
	for svc.Cancelled() != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return svc.Cancelled()
}
