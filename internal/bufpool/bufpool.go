// Package bufpool keeps byte buffers for reuse: a body read whole into
// one, decoded (the decoder copies what it keeps), and let go, as the
// server does with request bodies and sources with their answers, without
// growing a fresh slice for each by doubling.
package bufpool

import (
	"bytes"
	"sync"
)

// Pool is a pool of buffers that keeps none larger than its max, so that
// one huge body does not stay in memory for good. The zero value is not
// ready: use New.
type Pool struct {
	max  int
	pool sync.Pool
}

// New returns a pool that keeps buffers of up to max bytes.
func New(max int) *Pool {
	return &Pool{max: max, pool: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// Max is the largest buffer the pool keeps.
func (p *Pool) Max() int { return p.max }

// Get returns an empty buffer.
func (p *Pool) Get() *bytes.Buffer { return p.pool.Get().(*bytes.Buffer) }

// Put gives b back for reuse, emptied, unless it grew past the pool's max.
// Nothing may use b, or a slice of its bytes, after Put.
func (p *Pool) Put(b *bytes.Buffer) {
	if b.Cap() > p.max {
		return
	}
	b.Reset()
	p.pool.Put(b)
}
