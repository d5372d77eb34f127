package sources

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources/cache"
)

// Defaults of ClientConfig (HARDENING.md).
const (
	DefaultTimeout          = 2 * time.Second
	DefaultMaxResponseBytes = 8 << 20
	DefaultRetries          = 1
	DefaultRetryBackoff     = 25 * time.Millisecond
	DefaultMaxInFlight      = 128
	DefaultInFlightWait     = 100 * time.Millisecond
)

// ClientConfig configures the HTTP client of one source. Zero durations and
// sizes mean the defaults above; Retries and Coalesce mean what they say at
// zero (no retry, no coalescing), so the server passes them explicitly.
type ClientConfig struct {
	// URL is the service's base URL, such as http://127.0.0.1:9001.
	URL string
	// Timeout bounds one attempt; the request's own deadline bounds the rest.
	Timeout time.Duration
	// MaxResponseBytes caps an answer's body; a larger one is a bad response.
	MaxResponseBytes int64
	// ForwardAuthorization sends the caller's Authorization header along.
	ForwardAuthorization bool
	// Headers, when set, adds headers to every call after the contract's
	// own: the server's hook for what it alone decides (an identity token
	// signed for this source), so that sources need know nothing of it. An
	// error fails the call before it is made, as ErrBadRequest: never the
	// source's fault, never counted by its breaker.
	Headers func(ctx context.Context, h http.Header) error
	// Retries is how many more attempts a GET gets after a 502, 503, 504, a
	// refused or a reset connection, each only if the request's deadline
	// leaves room for it.
	Retries int
	// RetryBackoff is the base of the jittered exponential wait between
	// attempts; a longer Retry-After from the source wins.
	RetryBackoff time.Duration
	// MaxInFlight caps the calls in flight to the source (the bulkhead);
	// InFlightWait bounds how long a call waits for a slot before it fails
	// as unavailable.
	MaxInFlight  int
	InFlightWait time.Duration
	// Breaker configures the source's circuit breaker.
	Breaker BreakerConfig
	// Coalesce lets identical concurrent calls made for the same caller
	// identity share one upstream call.
	Coalesce bool
	// Transport is the round tripper to use; nil means a tuned default.
	Transport http.RoundTripper
	// RootCAs, when set, are the CAs the default transport trusts for an
	// https URL (instead of the system's).
	RootCAs *x509.CertPool
	// Cache is how the source's records are cached in Config.Cache; a zero
	// TTL leaves them uncached.
	Cache cache.Policy
}

// client speaks JSON over HTTP to one source and turns every failure into an
// *Error of the right kind. A call passes, in order: coalescing, the attempt
// loop (retries), the breaker, the bulkhead, and one HTTP attempt.
type client struct {
	name    string
	base    string
	cfg     ClientConfig
	httpc   *http.Client
	obs     Observer
	breaker *breaker
	slots   bulkhead
	flights flightGroup
	// cache is the source's record cache, nil when off; fills are its
	// refreshes in flight.
	cache *cache.Bucket
	fills fillGroup
}

func newClient(name string, cfg ClientConfig, obs Observer) *client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.InFlightWait <= 0 {
		cfg.InFlightWait = DefaultInFlightWait
	}
	cfg.Retries = max(cfg.Retries, 0)
	rt := cfg.Transport
	if rt == nil {
		t := newTransport(cfg.MaxInFlight)
		if cfg.RootCAs != nil {
			t.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
		}
		rt = t
	}
	if obs == nil {
		obs = NopObserver{}
	}
	return &client{
		name:    name,
		base:    strings.TrimRight(cfg.URL, "/"),
		cfg:     cfg,
		httpc:   &http.Client{Transport: rt, CheckRedirect: noRedirects},
		obs:     obs,
		breaker: newBreaker(name, cfg.Breaker, obs),
		slots:   newBulkhead(cfg.MaxInFlight, cfg.InFlightWait),
	}
}

// newTransport keeps as many idle connections to the host as the bulkhead
// lets calls be in flight, so a burst of batch calls reuses its connections.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          2 * conns,
		MaxIdleConnsPerHost:   conns,
		MaxConnsPerHost:       conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 0, // the per-attempt context bounds it
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     false,
	}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// close releases idle connections.
func (c *client) close() {
	c.httpc.CloseIdleConnections()
}

// call names one source call: its endpoint (such as "orders.byIDs", a
// closed set), its URL, and how many ids it asks for (0 for none).
type call struct {
	endpoint string
	url      string
	ids      int
	// expect is how many items the answer's page should hold, 0 when
	// unknown: the decoder sizes the page's list by it.
	expect int
	// deadline is the caller's (the request's), zero when it has none:
	// it bounds every attempt and decides the retries. A shared call's
	// context does not carry it (do), so it travels here.
	deadline time.Time
	// flight is a shared call's cancellation, which its context does not
	// carry either; nil for a call not shared.
	flight *flight
}

// fetch calls GET path?query on c and decodes the JSON answer into a T.
// Coalesced callers share the decoded T: answers are read-only.
func fetch[T any](ctx context.Context, c *client, endpoint, path string, query url.Values, ids int) (T, error) {
	v, _, err := fetchDirected[T](ctx, c, endpoint, c.url(path, query), ids)
	return v, err
}

// fetchDirected is fetch of a whole URL that also answers what the
// source's Cache-Control said of the answer.
func fetchDirected[T any](ctx context.Context, c *client, endpoint, u string, ids int) (T, directive, error) {
	return fetchExpecting[T](ctx, c, endpoint, u, ids, ids)
}

// fetchExpecting is fetchDirected of an answer whose page should hold
// expect items (0: unknown). The JSON decoder starts a list at 10 items
// and doubles it: an answer of 1 order held 10, one of 150 grew through
// 310.
func fetchExpecting[T any](ctx context.Context, c *client, endpoint, u string, ids, expect int) (T, directive, error) {
	cl := call{endpoint: endpoint, url: u, ids: ids, expect: expect}
	v, err := c.do(ctx, cl, decodeAs[T])
	if err != nil {
		var zero T
		return zero, directive{}, err
	}
	a := v.(answer)
	return a.value.(T), a.dir, nil
}

// url is the URL of path?query on c.
func (c *client) url(path string, query url.Values) string {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// do runs a call, sharing it with identical calls in flight when the
// client coalesces. The caller's deadline bounds the call's attempts
// (roundTrip) whether its context carries it or not: a shared call runs
// under a context without the first caller's cancellation, and without a
// deadline of its own, which would be a timer more per call (BENCHMARKS.md,
// the source calls' timers and hand-overs).
func (c *client) do(ctx context.Context, cl call, decode decodeFunc) (any, error) {
	cl.deadline, _ = ctx.Deadline()
	if !c.cfg.Coalesce {
		return c.withRetries(ctx, cl, decode)
	}
	key := c.flightKey(cl.url, caller.From(ctx))
	v, err, joined := c.flights.do(ctx, key, func(fctx context.Context, f *flight) (any, error) {
		cl.flight = f
		return c.withRetries(fctx, cl, decode)
	})
	if joined {
		c.obs.Coalesced(c.name, cl.endpoint)
	}
	if errors.Is(err, errStoppedWaiting) {
		// This caller left; the shared call goes on for the others.
		return nil, c.contextError(cl.endpoint, ctx)
	}
	return v, err
}

// flightKey is what identical calls share: the URL and the caller's
// identity, what makes an answer the caller's own: calls made for
// different users (or, when it is forwarded, different tokens) never
// share. It is url, NUL, subject, NUL, the scopes joined by spaces, and
// when forwarded NUL and the Authorization header, built in one
// allocation (a call's only per-call string besides its URL).
func (c *client) flightKey(url string, m caller.Caller) string {
	n := len(url) + 1 + len(m.Subject) + 1
	for i, s := range m.Scopes {
		if i > 0 {
			n++
		}
		n += len(s)
	}
	if c.cfg.ForwardAuthorization {
		n += 1 + len(m.Authorization)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(url)
	b.WriteByte(0)
	b.WriteString(m.Subject)
	b.WriteByte(0)
	for i, s := range m.Scopes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	if c.cfg.ForwardAuthorization {
		b.WriteByte(0)
		b.WriteString(m.Authorization)
	}
	return b.String()
}

// contextError is the error of a call whose caller's context ended: a
// deadline is a timeout, a cancel leaves the source unavailable to it.
func (c *client) contextError(endpoint string, ctx context.Context) *Error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return c.fail(endpoint, 0, ErrTimeout, ctx.Err())
	}
	return c.fail(endpoint, 0, ErrUnavailable, ctx.Err())
}

func (c *client) fail(endpoint string, status int, kind, cause error) *Error {
	return &Error{Source: c.name, Op: endpoint, Status: status, Kind: kind, Err: cause}
}

// headers builds a call's headers and checks that HTTP can carry every
// value (RFC 9110: no control character but a tab).
func (c *client) headers(ctx context.Context) (http.Header, error) {
	h := make(http.Header, 8)
	if err := c.setHeaders(ctx, h); err != nil {
		return nil, err
	}
	for name, values := range h {
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, fmt.Errorf("the %s header holds a value HTTP cannot carry", name)
			}
		}
	}
	return h, nil
}

// acceptJSON is every call's Accept header. Shared by every call's
// headers: nothing writes to it (the transport only reads a request's
// headers; Headers and Inject set their own).
var acceptJSON = []string{"application/json"}

// setHeaders writes the headers of the REST contract from the request's
// caller (caller.From): request id, user id and scopes, and the caller's
// Authorization where the source is configured to forward it. The W3C
// traceparent travels in the context's trace span instead, written by the
// Observer's Inject.
func (c *client) setHeaders(ctx context.Context, h http.Header) error {
	m := caller.From(ctx)
	// The names are in canonical form already: set without h.Set's
	// canonicalization, as h.Set would.
	h["Accept"] = acceptJSON
	// The values of the caller's headers share one array: one allocation
	// where each was a slice of its own.
	vals := make([]string, 0, 3)
	add := func(name, v string) {
		vals = append(vals, v)
		h[name] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	if m.RequestID != "" {
		add("X-Request-Id", m.RequestID)
	}
	if m.Subject != "" {
		add("X-User-Id", m.Subject)
		add("X-User-Scopes", strings.Join(m.Scopes, " "))
	}
	if c.cfg.ForwardAuthorization && m.Authorization != "" {
		h["Authorization"] = []string{m.Authorization}
	}
	if c.cfg.Headers != nil {
		if err := c.cfg.Headers(ctx, h); err != nil {
			return err
		}
	}
	c.obs.Inject(ctx, h)
	return nil
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
