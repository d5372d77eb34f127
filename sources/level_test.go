package sources

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestLevelSendsWhatItsCallersQueueAsOneBatch: two callers of a level
// queue customers at different times; nothing is sent until both have
// queued and one waits while the other has finished, then one batch holds
// every key.
func TestLevelSendsWhatItsCallersQueueAsOneBatch(t *testing.T) {
	f := newFakeService(t, nil)
	l := sourcesOf(t, f, 100).NewLoaders()
	lv := l.NewLevel(2)
	ctx := WithLevel(context.Background(), lv)

	l.Prefetch().Customers(ctx, []string{"c1", "c2"}) // caller one queues, and is done
	time.Sleep(30 * time.Millisecond)                 // longer than the batch window
	if n := len(f.batches()); n != 0 {
		t.Fatalf("%d calls before the level was idle, want none", n)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var got []Customer
	go func() { // caller two queues more and waits for them
		defer wg.Done()
		defer lv.Done()
		got, _ = l.Customers(ctx, []string{"c2", "c3"})
	}()
	time.Sleep(30 * time.Millisecond)
	if n := len(f.batches()); n != 0 {
		t.Fatalf("%d calls while caller one was still running, want none", n)
	}
	within(t, 2*time.Second, func() {
		lv.Done() // caller one finishes: caller two waits, the level is idle
		wg.Wait()
	})
	b := f.batches()
	if len(b) != 1 || !slices.Equal(b[0], []string{"c1", "c2", "c3"}) {
		t.Fatalf("batches %v, want one of c1, c2, c3", b)
	}
	if len(got) != 2 || got[0].ID != "c2" || got[1].ID != "c3" {
		t.Fatalf("customers %v", got)
	}
	// Keys fetched under the level are in the cache for later levels.
	if c, err := l.Customer(context.Background(), "c1"); err != nil || c.ID != "c1" || len(f.batches()) != 1 {
		t.Fatalf("c1 again: %v %v, %d calls", c, err, len(f.batches()))
	}
}

// TestLevelSendsWhenItsLastCallerFinishes: keys queued by callers that
// never wait go out when the level's last caller is done.
func TestLevelSendsWhenItsLastCallerFinishes(t *testing.T) {
	f := newFakeService(t, nil)
	l := sourcesOf(t, f, 2).NewLoaders()
	lv := l.NewLevel(1)
	ctx := WithLevel(context.Background(), lv)
	l.Prefetch().Stats(ctx, []string{"c1", "c2", "c3"})
	lv.Done()
	within(t, 2*time.Second, func() {
		for _, id := range []string{"c1", "c2", "c3"} {
			if _, err := l.Stats(context.Background(), id); err != nil {
				t.Error(err)
			}
		}
	})
	if b := f.batches(); len(b) != 2 {
		t.Fatalf("batches %v, want two (max batch 2)", b)
	}
}
