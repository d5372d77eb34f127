package sources_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startSources(t *testing.T) (*sources.Sources, *demo.Services) {
	t.Helper()
	svcs, err := demo.Start(demo.Options{Customers: 400, Orders: 800})
	if err != nil {
		t.Fatal(err)
	}
	// A wide batch window would hide what fetchAll promises: make it short.
	src := sources.New(sources.Config{
		Orders:    sources.ClientConfig{URL: svcs.Orders.URL()},
		Customers: sources.ClientConfig{URL: svcs.Customers.URL()},
		Analytics: sources.ClientConfig{URL: svcs.Analytics.URL()},
		BatchWait: time.Microsecond,
	})
	t.Cleanup(func() {
		src.Close()
		_ = svcs.Close()
	})
	return src, svcs
}

func TestCustomersKnownTogetherAreOneCallPerBatch(t *testing.T) {
	cases := []struct {
		name      string
		ids       int
		wantCalls int
	}{
		// Each case adds one unknown id and one repeat.
		{"one", 1, 1},
		{"a full batch", 99, 1},
		{"two batches and a half", 249, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, svcs := startSources(t)
			ids := make([]string, 0, c.ids+2)
			for i := range c.ids {
				ids = append(ids, fmt.Sprintf("c%d", i+1))
			}
			ids = append(ids, "nobody", "c1") // unknown, and a repeat
			l := src.NewLoaders()
			ctx := context.Background()
			got, errs := l.Customers(ctx, ids)
			for i, id := range ids {
				switch {
				case id == "nobody" && !errors.Is(errs[i], sources.ErrNotFound):
					t.Errorf("%s: got error %v, want ErrNotFound", id, errs[i])
				case id != "nobody" && (errs[i] != nil || got[i].ID != id):
					t.Errorf("%s: got %q, %v", id, got[i].ID, errs[i])
				}
			}
			if n := svcs.Customers.Calls(); n != c.wantCalls {
				t.Errorf("customers calls: got %d, want %d", n, c.wantCalls)
			}
			// The request's later lookups find them in the cache.
			if _, err := l.Customer(ctx, ids[0]); err != nil {
				t.Fatal(err)
			}
			l.Customers(ctx, ids)
			if n := svcs.Customers.Calls(); n != c.wantCalls {
				t.Errorf("customers calls after cached lookups: got %d, want %d", n, c.wantCalls)
			}
		})
	}
}

func TestOrdersKnownTogetherFailTogether(t *testing.T) {
	src, svcs := startSources(t)
	svcs.Orders.SetDown(true)
	_, errs := src.NewLoaders().Orders(context.Background(), []string{"o1", "o2", "o3"})
	for i, err := range errs {
		if _, ok := sources.AsError(err); !ok || !errors.Is(err, sources.ErrUnavailable) {
			t.Errorf("order %d: got %v, want a sources.Error of kind ErrUnavailable", i, err)
		}
	}
}
