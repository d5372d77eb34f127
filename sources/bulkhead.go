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

// acquire takes a slot, which release gives back (release is called, not
// answered: a method value answered would be an allocation a call). It waits at most the
// bulkhead's wait, and not past the call's deadline dl (zero: none), which
// the context of a shared call does not carry: then the error is
// context.DeadlineExceeded; nor past a shared call's cancellation (f, nil
// for a call not shared), which its context does not carry either.
func (b bulkhead) acquire(ctx context.Context, dl time.Time, f *flight) error {
	select {
	case b.slots <- struct{}{}:
		return nil
	default:
	}
	wait, full := b.wait, error(errBulkheadFull)
	if !dl.IsZero() {
		if left := time.Until(dl); left < wait {
			wait, full = max(left, 0), context.DeadlineExceeded
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case b.slots <- struct{}{}:
		return nil
	case <-t.C:
		return full
	case <-ctx.Done():
		return ctx.Err()
	case <-f.stopped():
		return context.Canceled
	}
}

func (b bulkhead) release() { <-b.slots }
