package budget

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is a fake time for the in-memory store.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestMemory() (*Memory, *clock) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory()
	m.now = c.now
	return m, c
}

func TestMemoryBucket(t *testing.T) {
	l := Limit{Capacity: 100, Rate: 10}
	type step struct {
		advance time.Duration
		op      string // take, adjust
		key     string
		n       float64
		want    Status
	}
	cases := []struct {
		name  string
		limit Limit
		steps []step
	}{
		{"a new bucket is full", l, []step{
			{0, "take", "a", 100, Status{Allowed: true, Available: 0}},
		}},
		{"refused takes nothing and says when", l, []step{
			{0, "take", "a", 70, Status{Allowed: true, Available: 30}},
			// 50 asked, 30 held: 20 missing at 10/s => 2s.
			{0, "take", "a", 50, Status{Available: 30, RetryAfter: 2 * time.Second}},
			{0, "take", "a", 30, Status{Allowed: true, Available: 0}},
		}},
		{"retry after rounds up to the nanosecond", Limit{Capacity: 100, Rate: 3}, []step{
			{0, "take", "a", 100, Status{Allowed: true, Available: 0}},
			// 1 missing at 3/s => 333.333334ms.
			{0, "take", "a", 1, Status{Available: 0, RetryAfter: 333333334 * time.Nanosecond}},
		}},
		{"refills at the rate, up to the capacity", l, []step{
			{0, "take", "a", 100, Status{Allowed: true, Available: 0}},
			{1500 * time.Millisecond, "take", "a", 15, Status{Allowed: true, Available: 0}},
			{time.Hour, "take", "a", 0, Status{Allowed: true, Available: 100}},
		}},
		{"served again after the retry delay", l, []step{
			{0, "take", "a", 100, Status{Allowed: true, Available: 0}},
			{0, "take", "a", 40, Status{Available: 0, RetryAfter: 4 * time.Second}},
			{4 * time.Second, "take", "a", 40, Status{Allowed: true, Available: 0}},
		}},
		{"adjust gives back, up to the capacity", l, []step{
			{0, "take", "a", 80, Status{Allowed: true, Available: 20}},
			{0, "adjust", "a", -50, Status{Allowed: true, Available: 70}},
			{0, "adjust", "a", -500, Status{Allowed: true, Available: 100}},
		}},
		{"adjust takes, down to zero", l, []step{
			{0, "adjust", "a", 30, Status{Allowed: true, Available: 70}},
			{0, "adjust", "a", 300, Status{Allowed: true, Available: 0}},
		}},
		{"keys do not share a bucket", l, []step{
			{0, "take", "a", 100, Status{Allowed: true, Available: 0}},
			{0, "take", "b", 100, Status{Allowed: true, Available: 0}},
			{0, "take", "a", 1, Status{Available: 0, RetryAfter: 100 * time.Millisecond}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, c := newTestMemory()
			lim := tc.limit
			for i, s := range tc.steps {
				c.advance(s.advance)
				var got Status
				var err error
				if s.op == "take" {
					got, err = m.Take(context.Background(), s.key, s.n, lim)
				} else {
					got, err = m.Adjust(context.Background(), s.key, s.n, lim)
				}
				if err != nil || got != s.want {
					t.Errorf("step %d (%s %s %v): got %+v, %v, want %+v", i, s.op, s.key, s.n, got, err, s.want)
				}
			}
		})
	}
}

func TestMemoryCapacityChangeClamps(t *testing.T) {
	m, _ := newTestMemory()
	ctx := context.Background()
	_, _ = m.Take(ctx, "a", 0, Limit{Capacity: 100, Rate: 1})
	got, _ := m.Take(ctx, "a", 0, Limit{Capacity: 10, Rate: 1})
	if got.Available != 10 {
		t.Errorf("got %v available, want 10 after the capacity shrank", got.Available)
	}
}

func TestMemoryForgetsFullBuckets(t *testing.T) {
	m, c := newTestMemory()
	ctx := context.Background()
	l := Limit{Capacity: 10, Rate: 10}
	for i := range minSweep {
		_, _ = m.Take(ctx, fmt.Sprint("old", i), 10, l)
	}
	c.advance(2 * time.Second) // every old bucket is full again
	_, _ = m.Take(ctx, "new", 10, l)
	if n := m.Len(); n != 1 {
		t.Errorf("buckets held: got %d, want 1 (the full ones forgotten)", n)
	}
	// A bucket still refilling is kept.
	for i := range minSweep {
		_, _ = m.Take(ctx, fmt.Sprint("busy", i), 10, l)
	}
	_, _ = m.Take(ctx, "newer", 10, l)
	if n := m.Len(); n != minSweep+2 {
		t.Errorf("buckets held: got %d, want %d (none full yet)", n, minSweep+2)
	}
}
