package persisted

import (
	"context"
	"fmt"

	lru "github.com/hashicorp/golang-lru/v2"
)

// MaxAPQBytes bounds a query text an APQ store keeps. A larger text still
// runs; it is just sent in full every time. With it, a store of n entries
// holds at most n × 64 KiB.
const MaxAPQBytes = 64 << 10

// Store keeps APQ registrations: a query text under its SHA-256. Texts are
// content-addressed, so an entry never changes and any copy of it is good.
// An error means the store could not answer (Redis down); the caller
// carries on as on a miss.
type Store interface {
	// Get returns the text registered under hash.
	Get(ctx context.Context, hash string) (text string, ok bool, err error)
	// Put registers text under hash.
	Put(ctx context.Context, hash, text string) error
}

// MemoryStore is a Store in this process's memory: an LRU of a fixed
// number of entries.
type MemoryStore struct {
	c *lru.Cache[string, string]
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns a store of at most size entries.
func NewMemoryStore(size int) (*MemoryStore, error) {
	c, err := lru.New[string, string](size)
	if err != nil {
		return nil, fmt.Errorf("apq store: %w", err)
	}
	return &MemoryStore{c: c}, nil
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, hash string) (string, bool, error) {
	t, ok := s.c.Get(hash)
	return t, ok, nil
}

// Put implements Store.
func (s *MemoryStore) Put(_ context.Context, hash, text string) error {
	if len(text) <= MaxAPQBytes {
		s.c.Add(hash, text)
	}
	return nil
}

// Len is the number of entries.
func (s *MemoryStore) Len() int { return s.c.Len() }
