package budget

import (
	"context"
	"sync"
	"time"
)

// Memory keeps buckets in this process: the default, for one replica.
// Buckets that have filled up again are forgotten (a missing bucket is a
// full one), so memory follows the clients of the last few minutes, not all
// clients ever seen.
type Memory struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt int
	now     func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
	limit  Limit
}

// minSweep is the number of buckets under which Memory never sweeps.
const minSweep = 1024

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{buckets: map[string]*bucket{}, sweepAt: minSweep, now: time.Now}
}

var _ Store = (*Memory)(nil)

// Take implements Store.
func (m *Memory) Take(_ context.Context, key string, n float64, l Limit) (Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bucket(key, l)
	if n > b.tokens {
		return Status{Available: b.tokens, RetryAfter: retryAfter(n, b.tokens, l)}, nil
	}
	b.tokens -= n
	return Status{Allowed: true, Available: b.tokens}, nil
}

// Adjust implements Store.
func (m *Memory) Adjust(_ context.Context, key string, n float64, l Limit) (Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bucket(key, l)
	b.tokens = min(max(b.tokens-n, 0), l.Capacity)
	return Status{Allowed: true, Available: b.tokens}, nil
}

// Close implements Store; Memory holds nothing to release.
func (m *Memory) Close() error { return nil }

// Len is the number of buckets held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}

// bucket returns key's bucket refilled up to now, creating a full one.
func (m *Memory) bucket(key string, l Limit) *bucket {
	now := m.now()
	b, ok := m.buckets[key]
	if !ok {
		if len(m.buckets) >= m.sweepAt {
			m.sweep(now)
		}
		b = &bucket{tokens: l.Capacity, at: now, limit: l}
		m.buckets[key] = b
		return b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens += d.Seconds() * l.Rate
		b.at = now
	}
	b.tokens = min(b.tokens, l.Capacity)
	b.limit = l
	return b
}

// sweep forgets the buckets that are full again; it runs when the map has
// doubled since the last sweep, so its cost is spread over the inserts.
func (m *Memory) sweep(now time.Time) {
	for k, b := range m.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*b.limit.Rate >= b.limit.Capacity {
			delete(m.buckets, k)
		}
	}
	m.sweepAt = max(minSweep, 2*len(m.buckets))
}
