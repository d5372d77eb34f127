package sources

import (
	"context"
	"math/rand/v2"
	"time"
)

// maxBackoff caps the exponential part of the wait between attempts.
const maxBackoff = 2 * time.Second

// retryBudget is the least time a retry must still have once its wait is
// over. The retry also needs as long as the failed attempt took (a source
// that took 300ms to say 503 will take about as long again), capped by the
// attempt timeout: a retry that can only time out is load on a sick source
// and nothing for the caller.
const retryBudget = 100 * time.Millisecond

// withRetries makes the attempts of one call: a retryable failure (a GET
// that met 502, 503, 504, a refused or a reset connection) gets up to
// cfg.Retries more attempts, after a jittered exponential wait or the
// source's longer Retry-After, and only when the request's deadline leaves
// room for the wait and another attempt (see roomFor). Every other failure
// is final.
func (c *client) withRetries(ctx context.Context, cl call, decode decodeFunc) (any, error) {
	for n := 0; ; n++ {
		start := time.Now()
		r := c.attempt(ctx, cl, decode, n)
		if r.err == nil {
			return r.value, nil
		}
		if !r.retryable || n >= c.cfg.Retries {
			return nil, r.err
		}
		wait := c.backoff(n, retryAfterOf(r.err))
		if !c.roomFor(cl.deadline, wait, time.Since(start)) {
			return nil, r.err
		}
		c.obs.Retry(c.name, cl.endpoint)
		if !sleep(ctx, cl.flight, wait) {
			if ctx.Err() == nil { // the shared call was cancelled
				return nil, c.fail(cl.endpoint, 0, ErrUnavailable, context.Canceled)
			}
			return nil, c.contextError(cl.endpoint, ctx)
		}
	}
}

// backoff is the wait before retry n+1: half of base·2ⁿ plus a random part
// of the other half ("equal jitter"), or the source's Retry-After when that
// is longer.
func (c *client) backoff(n int, retryAfter time.Duration) time.Duration {
	d := min(c.cfg.RetryBackoff<<min(n, 16), maxBackoff)
	d = d/2 + rand.N(d/2+1)
	return max(d, retryAfter)
}

// roomFor reports whether the call's deadline dl (zero: none) leaves room
// for a wait and then an attempt as long as the last one took, and at
// least the retry budget.
func (c *client) roomFor(dl time.Time, wait, last time.Duration) bool {
	if dl.IsZero() {
		return true
	}
	return time.Until(dl)-wait >= min(max(retryBudget, last), c.cfg.Timeout)
}

func retryAfterOf(err error) time.Duration {
	if se, ok := AsError(err); ok {
		return se.RetryAfter
	}
	return 0
}

// sleep waits for d; false when ctx ends first, or the shared call f (nil:
// a call not shared) is cancelled.
func sleep(ctx context.Context, f *flight, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-f.stopped():
		return false
	}
}
