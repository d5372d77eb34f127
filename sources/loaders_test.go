package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeService serves the batch endpoints of the REST contract over ids that
// exist unless they start with "unknown", and records every call. shape,
// when set, rewrites a batch answer's items before they are sent; fail,
// when set, answers every call instead.
type fakeService struct {
	srv   *httptest.Server
	shape func(items []any) []any
	fail  http.HandlerFunc

	mu    sync.Mutex
	calls [][]string // the ids of each call, in call order
}

func newFakeService(t *testing.T, setup func(*fakeService)) *fakeService {
	t.Helper()
	f := &fakeService{}
	if setup != nil {
		setup(f)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key := "ids"
	if q.Has("customerIds") {
		key = "customerIds"
	}
	ids := strings.Split(q.Get(key), ",")
	f.mu.Lock()
	f.calls = append(f.calls, ids)
	f.mu.Unlock()
	if f.fail != nil {
		f.fail(w, r)
		return
	}
	var items []any
	for _, id := range ids {
		if strings.HasPrefix(id, "unknown") {
			continue
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/customers"):
			items = append(items, customerOf(id))
		case strings.HasPrefix(r.URL.Path, "/analytics/customers"):
			items = append(items, CustomerStats{CustomerID: id, Currency: "EUR", OrderCount: len(id)})
		case key == "customerIds":
			per, _ := strconv.Atoi(q.Get("perCustomer"))
			for i := range per + 2 { // more than asked: the client trims
				items = append(items, orderOf(id, i))
			}
		default:
			items = append(items, Order{ID: id, CustomerID: "c-" + id, Status: StatusPaid, Currency: "EUR"})
		}
	}
	if f.shape != nil {
		items = f.shape(items)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"items": items, "nextCursor": nil})
}

// batches returns the ids of each call so far.
func (f *fakeService) batches() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func customerOf(id string) Customer {
	return Customer{ID: id, Name: "name of " + id, Email: id + "@example.com", Tier: TierGold}
}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// orderOf is customer's order number i; a higher i is newer.
func orderOf(customer string, i int) Order {
	return Order{
		ID: fmt.Sprintf("%s-o%d", customer, i), CustomerID: customer, Status: StatusPaid, Currency: "EUR",
		CreatedAt: epoch.Add(time.Duration(i) * time.Hour),
	}
}

// sourcesOf returns sources whose three services are all f.
func sourcesOf(t *testing.T, f *fakeService, maxBatch int) *Sources {
	t.Helper()
	cfg := ClientConfig{URL: f.srv.URL, Timeout: time.Second}
	// A wide batch window, so that keys loaded from several goroutines
	// share a batch even on a slow machine.
	s := New(Config{Orders: cfg, Customers: cfg, Analytics: cfg, MaxBatch: maxBatch, BatchWait: 20 * time.Millisecond})
	t.Cleanup(s.Close)
	return s
}

func numbered(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = prefix + strconv.Itoa(i+1)
	}
	return ids
}

// within runs f and fails the test if it does not return in d: a loader
// must never hang.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not return within %s", d)
	}
}

func TestLoaderSplitsBatches(t *testing.T) {
	cases := []struct {
		name     string
		ids      int
		maxBatch int
		calls    int
	}{
		{"250 ids, batches of 100", 250, 100, 3},
		{"100 ids, batches of 100", 100, 100, 1},
		{"101 ids, batches of 100", 101, 100, 2},
		{"7 ids, batches of 3", 7, 3, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t, nil)
			l := sourcesOf(t, f, tc.maxBatch).NewLoaders()
			ids := numbered("c", tc.ids)
			var got []Customer
			var errs []error
			within(t, 5*time.Second, func() { got, errs = l.Customers(context.Background(), ids) })

			calls := f.batches()
			if len(calls) != tc.calls {
				t.Errorf("calls: got %d, want %d", len(calls), tc.calls)
			}
			var asked []string
			for _, c := range calls {
				if len(c) > tc.maxBatch {
					t.Errorf("a call with %d ids, want at most %d", len(c), tc.maxBatch)
				}
				asked = append(asked, c...)
			}
			slices.Sort(asked)
			want := slices.Clone(ids)
			slices.Sort(want)
			if !slices.Equal(asked, want) {
				t.Errorf("ids asked for: got %d ids, want each of the %d once", len(asked), len(want))
			}
			for i, id := range ids {
				if errs[i] != nil || got[i].ID != id {
					t.Errorf("key %s: got %+v, %v, want its customer", id, got[i], errs[i])
				}
			}
		})
	}
}

func TestLoaderFetchesDuplicatesOnce(t *testing.T) {
	f := newFakeService(t, nil)
	l := sourcesOf(t, f, 100).NewLoaders()
	ctx := context.Background()
	ids := []string{"c1", "c2", "c1", "c3", "c1", "c2"}
	var got []Customer
	var errs []error
	within(t, 5*time.Second, func() { got, errs = l.Customers(ctx, ids) })
	for i, id := range ids {
		if errs[i] != nil || got[i].ID != id {
			t.Errorf("key %d (%s): got %+v, %v, want its customer", i, id, got[i], errs[i])
		}
	}
	// Asked again later in the same request: answered from the cache.
	if c, err := l.Customer(ctx, "c2"); err != nil || c.ID != "c2" {
		t.Errorf("c2 again: got %+v, %v, want it", c, err)
	}
	calls := f.batches()
	if len(calls) != 1 {
		t.Fatalf("calls: got %d %v, want 1", len(calls), calls)
	}
	got1 := slices.Clone(calls[0])
	slices.Sort(got1)
	if want := []string{"c1", "c2", "c3"}; !slices.Equal(got1, want) {
		t.Errorf("ids of the call: got %v, want %v, each once", got1, want)
	}
}

// TestLoaderMatchesByID checks that a batch answer is matched by id, never
// by position, for each of the loaders.
func TestLoaderMatchesByID(t *testing.T) {
	reverse := func(items []any) []any { slices.Reverse(items); return items }
	repeat := func(items []any) []any { return append(items, items...) }
	omitFirst := func(items []any) []any { return items[1:] }
	cases := []struct {
		name    string
		shape   func([]any) []any
		missing []string // keys answered ErrNotFound
	}{
		{"as asked", nil, nil},
		{"reordered", reverse, nil},
		{"repeated", repeat, nil},
		{"reordered and repeated", func(items []any) []any { return repeat(reverse(items)) }, nil},
		{"first one omitted", omitFirst, []string{"k1"}},
		{"reordered, repeated, one omitted", func(items []any) []any { return repeat(reverse(omitFirst(items))) }, []string{"k1"}},
		{"unknown ids left out", nil, []string{"unknown1"}},
		{"extra ids", func(items []any) []any { return append(items, customerOf("k99")) }, nil},
		{"nothing", func([]any) []any { return []any{} }, []string{"k1", "k2", "k3", "unknown1"}},
	}
	keys := []string{"k1", "k2", "k3", "unknown1"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t, func(f *fakeService) { f.shape = tc.shape })
			l := sourcesOf(t, f, 100).NewLoaders()
			ctx := context.Background()
			missing := append([]string{"unknown1"}, tc.missing...)
			within(t, 5*time.Second, func() {
				customers, errs := l.Customers(ctx, keys)
				for i, k := range keys {
					wantErr := slices.Contains(missing, k)
					if wantErr != errors.Is(errs[i], ErrNotFound) || !wantErr && (errs[i] != nil || customers[i] != customerOf(k)) {
						t.Errorf("customer %s: got %+v, %v, want missing %v", k, customers[i], errs[i], wantErr)
					}
				}
			})
		})
	}
}

func TestEveryLoaderMatchesByID(t *testing.T) {
	shuffle := func(items []any) []any {
		slices.Reverse(items)
		return append(items[1:], items[0], items[0])
	}
	f := newFakeService(t, func(f *fakeService) { f.shape = shuffle })
	l := sourcesOf(t, f, 100).NewLoaders()
	ctx := context.Background()
	within(t, 5*time.Second, func() {
		var wg sync.WaitGroup
		for _, k := range []string{"a", "b", "c", "unknown"} {
			wg.Go(func() {
				o, err := l.Order(ctx, k)
				if k == "unknown" != errors.Is(err, ErrNotFound) || k != "unknown" && o.ID != k {
					t.Errorf("order %s: got %+v, %v", k, o, err)
				}
			})
			wg.Go(func() {
				s, err := l.Stats(ctx, k)
				if k == "unknown" != errors.Is(err, ErrNotFound) || k != "unknown" && (s.CustomerID != k || s.OrderCount != len(k)) {
					t.Errorf("stats %s: got %+v, %v", k, s, err)
				}
			})
			wg.Go(func() {
				os, err := l.OrdersOf(ctx, k, 2)
				want := []Order{orderOf(k, 3), orderOf(k, 2)}
				if k == "unknown" {
					want = []Order{}
				}
				if err != nil || !slices.EqualFunc(os, want, func(a, b Order) bool { return a.ID == b.ID }) || os == nil {
					t.Errorf("orders of %s: got %v, %v, want the 2 newest %v", k, os, err, want)
				}
			})
		}
		wg.Wait()
	})
	// One batch per loader: orders, stats, orders of customers.
	if n := len(f.batches()); n != 3 {
		t.Errorf("calls: got %d, want 3 (one per loader)", n)
	}
}

// failWith answers every call with status and an error body.
func failWith(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":"failed"}`, status)
	}
}

func TestLoaderBatchFailure(t *testing.T) {
	cases := []struct {
		name string
		fail http.HandlerFunc
		ids  int
		kind error
	}{
		{"503", failWith(http.StatusServiceUnavailable), 5, ErrUnavailable},
		{"500 on split batches", failWith(http.StatusInternalServerError), 250, ErrUnavailable},
		{"malformed", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"items": [`)) }, 5, ErrBadResponse},
		{"slow past the timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, 5, ErrTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeService(t, func(f *fakeService) { f.fail = tc.fail })
			cfg := ClientConfig{URL: f.srv.URL, Timeout: 200 * time.Millisecond}
			s := New(Config{Customers: cfg, Orders: cfg, Analytics: cfg, MaxBatch: 100})
			t.Cleanup(s.Close)
			l := s.NewLoaders()
			ids := numbered("c", tc.ids)
			var errs []error
			within(t, 3*time.Second, func() { _, errs = l.Customers(context.Background(), ids) })
			// The keys of one call share one *Error.
			shared := map[*Error]int{}
			for i, err := range errs {
				se, ok := AsError(err)
				if !ok || !errors.Is(err, tc.kind) || se.Source != CustomersSource {
					t.Fatalf("key %s: got %v, want a customers *Error of kind %v", ids[i], err, tc.kind)
				}
				shared[se]++
			}
			if want := len(f.batches()); len(shared) != want {
				t.Errorf("distinct errors: got %d, want one per call (%d)", len(shared), want)
			}
		})
	}
}

func TestLoaderHonoursTheCallersContext(t *testing.T) {
	f := newFakeService(t, func(f *fakeService) {
		f.fail = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	})
	l := sourcesOf(t, f, 100).NewLoaders()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	var err error
	within(t, 2*time.Second, func() { _, err = l.Customer(ctx, "c1") })
	if !errors.Is(err, ErrUnavailable) && !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want the call cut short by the cancel", err)
	}
}

func TestForWithoutLoadersPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("For on a bare context: got no panic, want one")
		}
	}()
	For(context.Background())
}

func TestLoadersPerRequest(t *testing.T) {
	f := newFakeService(t, nil)
	s := sourcesOf(t, f, 100)
	ctx := context.Background()
	a := WithLoaders(ctx, s.NewLoaders())
	b := WithLoaders(ctx, s.NewLoaders())
	for _, c := range []context.Context{a, a, b} {
		if _, err := For(c).Customer(c, "c1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.batches()); n != 2 {
		t.Errorf("calls for c1 from two requests: got %d, want 2 (no cache shared between requests)", n)
	}
}

// ExampleLoaders batches and de-duplicates the lookups of one request: four
// keys, one of them twice and one unknown, make one call.
func ExampleLoaders() {
	var calls atomic.Int32
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var items []Customer
		for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
			if id != "c404" {
				items = append(items, Customer{ID: id, Name: "Customer " + id, Tier: TierGold})
			}
		}
		_ = json.NewEncoder(w).Encode(Page[Customer]{Items: items})
	}))
	defer svc.Close()
	src := New(Config{Customers: ClientConfig{URL: svc.URL}})
	defer src.Close()

	// One set of loaders per request.
	l := src.NewLoaders()
	customers, errs := l.Customers(context.Background(), []string{"c1", "c404", "c2", "c1"})
	for i, c := range customers {
		switch {
		case errors.Is(errs[i], ErrNotFound):
			fmt.Println("not found")
		case errs[i] != nil:
			fmt.Println("error:", errs[i])
		default:
			fmt.Println(c.Name)
		}
	}
	fmt.Println("calls:", calls.Load())
	// Output:
	// Customer c1
	// not found
	// Customer c2
	// Customer c1
	// calls: 1
}
