package sources

import (
	"errors"
	"fmt"
	"time"
)

// Sentinels for the kinds of source failure. Match them with errors.Is; an
// *Error wraps exactly one of them.
var (
	// ErrNotFound: the source does not know the id. Callers answer null, no error.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: refused connection, 5xx, 429, or a breaker that is open.
	ErrUnavailable = errors.New("source unavailable")
	// ErrTimeout: the source did not answer within its deadline.
	ErrTimeout = errors.New("source timeout")
	// ErrBadResponse: the answer could not be decoded or broke the contract.
	ErrBadResponse = errors.New("bad source response")
)

// Error is a failed call to one source. Its message is for logs: it may hold
// the upstream status and cause, so it must never reach a client as is.
type Error struct {
	// Source is the service's name: orders, customers or analytics.
	Source string
	// Op names the call, such as "orders.byIDs".
	Op string
	// Status is the HTTP status the source answered, 0 when it did not answer.
	Status int
	// Kind is one of the sentinels above.
	Kind error
	// Err is the underlying cause, if any.
	Err error
	// RetryAfter is the wait a 429 or 503 answer asked for, 0 when none.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s: %v", e.Source, e.Op, e.Kind)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (status %d)", e.Status)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// AsError returns the *Error in err's chain, if there is one.
func AsError(err error) (*Error, bool) {
	var se *Error
	ok := errors.As(err, &se)
	return se, ok
}
