// Package budget keeps token buckets of cost points, one per client: in
// memory for one replica, or in Redis for replicas that share budgets. It
// knows nothing of HTTP or GraphQL: a key, a number of points, a bucket's
// shape.
package budget

import (
	"context"
	"errors"
	"math"
	"time"
)

// Limit is the shape of a bucket: it holds at most Capacity points and
// gains Rate points a second. A new bucket is full.
type Limit struct {
	// Capacity is the most points the bucket holds.
	Capacity float64
	// Rate is the points it gains a second.
	Rate float64
}

// Status is a bucket after a Take or an Adjust.
type Status struct {
	// Allowed tells that Take took its points.
	Allowed bool
	// Available is what the bucket holds now.
	Available float64
	// RetryAfter is, when Take was refused, how long until the bucket holds
	// the points asked for (0 when allowed).
	RetryAfter time.Duration
}

// Store keeps buckets by key.
type Store interface {
	// Take removes n points from key's bucket if it holds them all, and
	// otherwise removes nothing and tells how long to wait.
	Take(ctx context.Context, key string, n float64, l Limit) (Status, error)
	// Adjust removes n points (a negative n gives them back) after the
	// fact, keeping the bucket between 0 and its capacity.
	Adjust(ctx context.Context, key string, n float64, l Limit) (Status, error)
	// Close releases the store's resources.
	Close() error
}

// ErrUnavailable wraps every failure of a store that could not be asked
// (Redis down or slow): the caller applies its fail mode.
var ErrUnavailable = errors.New("budget store unavailable")

// retryAfter is how long a bucket holding available points takes to hold n.
func retryAfter(n, available float64, l Limit) time.Duration {
	if n <= available {
		return 0
	}
	if l.Rate <= 0 {
		return time.Duration(math.MaxInt64)
	}
	d := (n - available) / l.Rate * float64(time.Second)
	if d >= float64(math.MaxInt64) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(math.Ceil(d))
}
