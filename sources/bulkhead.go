package sources

import (
	"context"
	"errors"
	"time"
)

// errBulkheadFull is the cause of a call refused for want of a free slot.
var errBulkheadFull = errors.New("too many calls in flight")

// bulkhead caps the calls in flight to one source, so a slow source holds
// at most that many connections and goroutines; a call waits a bounded
// time for a slot, then fails as unavailable.
type bulkhead struct {
	slots chan struct{}
	wait  time.Duration
}

func newBulkhead(n int, wait time.Duration) bulkhead {
	return bulkhead{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot; release gives it back.
func (b bulkhead) acquire(ctx context.Context) (release func(), err error) {
	select {
	case b.slots <- struct{}{}:
		return b.release, nil
	default:
	}
	t := time.NewTimer(b.wait)
	defer t.Stop()
	select {
	case b.slots <- struct{}{}:
		return b.release, nil
	case <-t.C:
		return nil, errBulkheadFull
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b bulkhead) release() { <-b.slots }
