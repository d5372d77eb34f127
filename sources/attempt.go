package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"time"

	json "github.com/segmentio/encoding/json"

	"github.com/gqlbff/gqlbff/internal/bufpool"
)

// Outcome is how one attempt of a source call ended; the metrics count
// calls by it, and the breaker and the retries decide by it.
type Outcome string

// The outcomes of an attempt.
const (
	OutcomeOK           Outcome = "ok"
	OutcomeNotFound     Outcome = "not_found"
	OutcomeClientError  Outcome = "client_error"  // another 4xx: the source is fine, the call was not
	OutcomeRateLimited  Outcome = "rate_limited"  // 429
	OutcomeUnavailable  Outcome = "unavailable"   // 5xx, refused, reset
	OutcomeTimeout      Outcome = "timeout"       // the attempt's or the request's deadline passed
	OutcomeBadResponse  Outcome = "bad_response"  // undecodable, contract-breaking or oversized
	OutcomeBreakerOpen  Outcome = "breaker_open"  // refused by the breaker, no connection made
	OutcomeBulkheadFull Outcome = "bulkhead_full" // no free slot within the wait
	OutcomeCanceled     Outcome = "canceled"      // the caller left
	OutcomeBadRequest   Outcome = "bad_request"   // the call could not be built (a header value HTTP cannot carry); nothing sent
)

// ErrBadRequest is a call that could not be built, such as a header value
// that HTTP cannot carry (a control character in a user id). It is never
// an *Error: the source has not been asked, it is not the source's
// failure, it never counts against the source's breaker, and the caller
// sees it as an internal error.
var ErrBadRequest = errors.New("the source call could not be built")

// attemptResult is one attempt's answer or error, and what to do next.
type attemptResult struct {
	value     any
	err       error
	status    int
	outcome   Outcome
	retryable bool
}

type decodeFunc func(b []byte, expect int) (any, error)

// decodeAs decodes a JSON answer into a T and checks its contract.
func decodeAs[T any](b []byte, expect int) (any, error) {
	var out T
	if p, ok := any(&out).(presizer); ok && expect > 0 {
		// A page decoded into a list sized as expected. Only one with
		// items is kept: an empty or missing list, or an error, is
		// decoded again as it would be without the sizing, so that a
		// missing list stays nil (validate) and an error reads the same.
		p.presize(min(expect, maxPresize))
		if err := json.Unmarshal(b, &out); err == nil && p.len() > 0 {
			if v, ok := any(&out).(validator); ok {
				if err := v.validate(); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		var zero T
		out = zero
	}
	if err := decode(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// decode reads a JSON answer into out and checks it against the contract.
func decode(body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return err
	}
	if v, ok := out.(validator); ok {
		return v.validate()
	}
	return nil
}

// validator is implemented by answers that check the contract after decoding.
type validator interface{ validate() error }

// attempt makes attempt number n of a call, observed (a span, metrics).
func (c *client) attempt(ctx context.Context, cl call, decode decodeFunc, n int) attemptResult {
	start := time.Now()
	ctx, end := c.obs.StartCall(ctx, CallInfo{Source: c.name, Endpoint: cl.endpoint, IDs: cl.ids, Attempt: n})
	r := c.try(ctx, cl, decode)
	end(CallResult{Outcome: r.outcome, Status: r.status, Duration: time.Since(start), Err: r.err})
	return r
}

// try passes the breaker, then the bulkhead, then makes the HTTP call. An
// open breaker fails at once, without a connection.
//
// The headers are built first: one that cannot be sent fails the call
// before the breaker sees it (ErrBadRequest).
func (c *client) try(ctx context.Context, cl call, decode decodeFunc) attemptResult {
	h, err := c.headers(ctx)
	if err != nil {
		return attemptResult{err: fmt.Errorf("%w: %s %s: %w", ErrBadRequest, c.name, cl.endpoint, err), outcome: OutcomeBadRequest}
	}
	done, err := c.breaker.allow()
	if err != nil {
		return attemptResult{err: c.fail(cl.endpoint, 0, ErrUnavailable, err), outcome: OutcomeBreakerOpen}
	}
	r := c.throughBulkhead(ctx, cl, h, decode)
	done(verdict(r.outcome))
	return r
}

func (c *client) throughBulkhead(ctx context.Context, cl call, h http.Header, decode decodeFunc) attemptResult {
	if err := c.slots.acquire(ctx, cl.deadline, cl.flight); err != nil {
		switch {
		case ctx.Err() != nil:
			return attemptResult{err: c.contextError(cl.endpoint, ctx), outcome: OutcomeBulkheadFull}
		case errors.Is(err, context.DeadlineExceeded):
			return attemptResult{err: c.fail(cl.endpoint, 0, ErrTimeout, err), outcome: OutcomeBulkheadFull}
		}
		return attemptResult{err: c.fail(cl.endpoint, 0, ErrUnavailable, err), outcome: OutcomeBulkheadFull}
	}
	defer c.slots.release()
	return c.roundTrip(ctx, cl, h, decode)
}

// roundTrip is one HTTP GET, bounded by the attempt's timeout and the
// call's deadline (one timer: the earlier of the two), its answer read
// through the size cap.
func (c *client) roundTrip(ctx context.Context, cl call, h http.Header, decode decodeFunc) attemptResult {
	dl := time.Now().Add(c.cfg.Timeout)
	if !cl.deadline.IsZero() && cl.deadline.Before(dl) {
		dl = cl.deadline
	}
	actx, cancel := context.WithDeadline(ctx, dl)
	defer cancel()
	if !cl.flight.begin(cancel) {
		return attemptResult{err: c.fail(cl.endpoint, 0, ErrUnavailable, context.Canceled), outcome: OutcomeCanceled}
	}
	defer cl.flight.end()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, cl.url, nil)
	if err != nil {
		return attemptResult{err: c.fail(cl.endpoint, 0, ErrUnavailable, err), outcome: OutcomeUnavailable}
	}
	req.Header = h

	resp, err := c.httpc.Do(req)
	if err != nil {
		r := c.transportFailure(cl.endpoint, ctx, actx, 0, err)
		r.retryable = r.outcome == OutcomeUnavailable && refusedOrReset(err)
		return r
	}
	// Closing a body that was not read to its end closes the connection:
	// a stalled or oversized answer never goes back to the pool.
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so a small error body does not cost the connection.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return c.statusFailure(cl.endpoint, resp)
	}
	buf := bodyBuffers.Get()
	defer bodyBuffers.Put(buf)
	if n := resp.ContentLength; n > 0 && n <= c.cfg.MaxResponseBytes {
		buf.Grow(int(n) + 1) // +1: ReadFrom's probe for the end fits too
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	body := buf.Bytes()
	if err != nil {
		return c.transportFailure(cl.endpoint, ctx, actx, resp.StatusCode, err)
	}
	if int64(len(body)) > c.cfg.MaxResponseBytes {
		err := fmt.Errorf("answer over %d bytes", c.cfg.MaxResponseBytes)
		return attemptResult{err: c.fail(cl.endpoint, resp.StatusCode, ErrBadResponse, err), status: resp.StatusCode, outcome: OutcomeBadResponse}
	}
	v, err := decode(body, cl.expect)
	if err != nil {
		return attemptResult{err: c.fail(cl.endpoint, resp.StatusCode, ErrBadResponse, err), status: resp.StatusCode, outcome: OutcomeBadResponse}
	}
	return attemptResult{value: answer{value: v, dir: parseCacheControl(resp.Header.Values("Cache-Control"))}, status: resp.StatusCode, outcome: OutcomeOK}
}

// bodyBuffers hold source answers while they are decoded: the decoder
// copies what it keeps (decode), so a buffer goes back to the pool after
// the call, and a wide answer no longer grows a fresh slice from 512 bytes
// by doubling (BENCHMARKS.md).
var bodyBuffers = bufpool.New(1 << 20)

// transportFailure classifies a call that got no (whole) answer: the
// caller leaving, a deadline passing, or the connection failing.
func (c *client) transportFailure(endpoint string, parent, attempt context.Context, status int, err error) attemptResult {
	switch {
	// A shared call's cancellation reaches only its attempt's context
	// (flight.begin), which nothing else cancels while it runs.
	case errors.Is(parent.Err(), context.Canceled) || errors.Is(attempt.Err(), context.Canceled):
		return attemptResult{err: c.fail(endpoint, status, ErrUnavailable, err), status: status, outcome: OutcomeCanceled}
	case errors.Is(parent.Err(), context.DeadlineExceeded) || errors.Is(attempt.Err(), context.DeadlineExceeded):
		return attemptResult{err: c.fail(endpoint, status, ErrTimeout, err), status: status, outcome: OutcomeTimeout}
	default:
		return attemptResult{err: c.fail(endpoint, status, ErrUnavailable, err), status: status, outcome: OutcomeUnavailable}
	}
}

// refusedOrReset tells the connection failures worth another attempt: the
// connection was refused, reset, or closed before any answer.
func refusedOrReset(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (c *client) statusFailure(endpoint string, resp *http.Response) attemptResult {
	code := resp.StatusCode
	r := attemptResult{status: code}
	switch {
	case code == http.StatusNotFound:
		r.err, r.outcome = c.fail(endpoint, code, ErrNotFound, nil), OutcomeNotFound
	case code == http.StatusTooManyRequests:
		e := c.fail(endpoint, code, ErrUnavailable, nil)
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
		r.err, r.outcome = e, OutcomeRateLimited
	case code >= 500:
		e := c.fail(endpoint, code, ErrUnavailable, nil)
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
		r.err, r.outcome = e, OutcomeUnavailable
		r.retryable = code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
	case code >= 400:
		r.err, r.outcome = c.fail(endpoint, code, ErrBadResponse, fmt.Errorf("unexpected status %d", code)), OutcomeClientError
	default:
		r.err, r.outcome = c.fail(endpoint, code, ErrBadResponse, fmt.Errorf("unexpected status %d", code)), OutcomeBadResponse
	}
	return r
}
