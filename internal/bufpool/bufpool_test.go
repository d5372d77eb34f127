package bufpool

import (
	"bytes"
	"testing"
)

// TestPoolKeepsSmallBuffersEmptiedAndDropsLargeOnes: a buffer comes back
// empty whatever it held, and one grown past the max is not kept.
func TestPoolKeepsSmallBuffersEmptiedAndDropsLargeOnes(t *testing.T) {
	p := New(1 << 10)
	b := p.Get()
	b.WriteString("a body")
	p.Put(b)
	if got := p.Get(); got.Len() != 0 {
		t.Errorf("a buffer from the pool holds %q, want it empty", got.String())
	}

	big := bytes.NewBuffer(make([]byte, 0, 4<<10))
	big.WriteString("x")
	p.Put(big)
	for range 100 {
		if got := p.Get(); got == big {
			t.Fatal("the pool kept a buffer larger than its max")
		}
	}
}
