package sources

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/caller"
)

// upstream is a source under test: its base URL and how many calls reached
// it.
type upstream struct {
	url   string
	calls func() int
}

// serving starts h on a real listener.
func serving(h http.HandlerFunc) func(*testing.T) upstream {
	return func(t *testing.T) upstream {
		t.Helper()
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			h(w, r)
		}))
		t.Cleanup(srv.Close)
		return upstream{url: srv.URL, calls: func() int { return int(n.Load()) }}
	}
}

// refusing is an address where nothing listens.
func refusing(t *testing.T) upstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return upstream{url: "http://" + addr, calls: func() int { return 0 }}
}

// answering answers status with body as JSON, and extra headers.
func answering(status int, body string, header ...string) func(*testing.T) upstream {
	return serving(func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

// waitForCancel blocks until the caller gives up (or 5 s).
func waitForCancel(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

const (
	goodCustomer  = `{"id":"c1","name":"Ada","email":"ada@example.com","tier":"GOLD","createdAt":"2024-01-01T00:00:00Z"}`
	goodCustomers = `{"items":[` + goodCustomer + `],"nextCursor":null}`
	testTimeout   = 200 * time.Millisecond
	// anyStatus: a loaded machine may pass the timeout before the headers
	// of a stalled answer arrive (status 0) or after (200); either is a
	// timeout, which is what the case is about.
	anyStatus    = -1
	testMaxBytes = 4 << 10
)

func TestClientErrors(t *testing.T) {
	t.Parallel()
	byID := func(ctx context.Context, c *Customers) error { _, err := c.ByID(ctx, "c1"); return err }
	byIDs := func(ctx context.Context, c *Customers) error {
		_, err := c.ByIDs(ctx, []string{"c1", "c2"})
		return err
	}
	cases := []struct {
		name       string
		upstream   func(*testing.T) upstream
		call       func(context.Context, *Customers) error
		kind       error // nil for success
		status     int   // the *Error's Status
		retryAfter time.Duration
		maxCalls   int // HARDENING.md: 5xx and refused may retry once; 500, 4xx, 429 never
	}{
		{"200 by id", answering(200, goodCustomer), byID, nil, 0, 0, 1},
		{"200 batch", answering(200, goodCustomers), byIDs, nil, 0, 0, 1},
		{"200 empty batch", answering(200, `{"items":[]}`), byIDs, nil, 0, 0, 1},
		{"404", answering(404, `{"error":"not found"}`), byID, ErrNotFound, 404, 0, 1},
		{"500", answering(500, `{"error":"boom"}`), byID, ErrUnavailable, 500, 0, 1},
		{"502", answering(502, `<html>bad gateway</html>`, "Content-Type", "text/html"), byIDs, ErrUnavailable, 502, 0, 2},
		{"503", answering(503, `{"error":"unavailable"}`), byIDs, ErrUnavailable, 503, 0, 2},
		{"503 with Retry-After", answering(503, `{"error":"unavailable"}`, "Retry-After", "2"), byIDs, ErrUnavailable, 503, 2 * time.Second, 2},
		{"504", answering(504, `{"error":"timeout"}`), byIDs, ErrUnavailable, 504, 0, 2},
		{"429", answering(429, `{"error":"slow down"}`), byIDs, ErrUnavailable, 429, 0, 1},
		{"429 with Retry-After seconds", answering(429, `{"error":"slow down"}`, "Retry-After", "3"), byIDs, ErrUnavailable, 429, 3 * time.Second, 1},
		{"429 with a bad Retry-After", answering(429, `{"error":"slow down"}`, "Retry-After", "soon"), byIDs, ErrUnavailable, 429, 0, 1},
		{"400", answering(400, `{"error":"bad ids"}`), byIDs, ErrBadResponse, 400, 0, 1},
		{"401", answering(401, `{"error":"who"}`), byIDs, ErrBadResponse, 401, 0, 1},
		{"redirect, not followed", answering(302, ``, "Location", "http://127.0.0.1:1/elsewhere"), byIDs, ErrBadResponse, 302, 0, 1},
		{"204", answering(204, ``), byIDs, ErrBadResponse, 204, 0, 1},
		{"malformed JSON", answering(200, `{"items": [`), byIDs, ErrBadResponse, 200, 0, 1},
		{"HTML with 200", answering(200, `<html><body>maintenance</body></html>`, "Content-Type", "text/html"), byIDs, ErrBadResponse, 200, 0, 1},
		{"empty 200", answering(200, ``), byID, ErrBadResponse, 200, 0, 1},
		{"trailing garbage", answering(200, goodCustomers+`{}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"wrong type of a field", answering(200, `{"items":[{"id":1,"name":"Ada","tier":"GOLD"}]}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"wrong type of items", answering(200, `{"items":{"id":"c1"}}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"list answer of null", answering(200, `null`), byIDs, ErrBadResponse, 200, 0, 1},
		{"list answer without items", answering(200, `{}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"list answer with null items", answering(200, `{"items":null}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"bad time", answering(200, `{"id":"c1","name":"Ada","tier":"GOLD","createdAt":"yesterday"}`), byID, ErrBadResponse, 200, 0, 1},
		{"item without id", answering(200, `{"items":[{"name":"Ada","tier":"GOLD"}]}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"unknown enum value", answering(200, `{"items":[{"id":"c1","name":"Ada","tier":"DIAMOND"}]}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"answer over MaxResponseBytes", answering(200, `{"items":[],"padding":"`+strings.Repeat("x", testMaxBytes)+`"}`), byIDs, ErrBadResponse, 200, 0, 1},
		{"answer of exactly MaxResponseBytes", answering(200, `{"items":[],"padding":"`+strings.Repeat("x", testMaxBytes-len(`{"items":[],"padding":""}`))+`"}`), byIDs, nil, 0, 0, 1},
		{"connection refused", refusing, byIDs, ErrUnavailable, 0, 0, 0},
		{"hang up without an answer", serving(func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}), byIDs, ErrUnavailable, 0, 0, 2},
		{"slow past the timeout", serving(func(_ http.ResponseWriter, r *http.Request) { waitForCancel(r) }), byIDs, ErrTimeout, 0, 0, 2},
		{"headers, then a stalled body", serving(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"items":[`))
			_ = http.NewResponseController(w).Flush()
			waitForCancel(r)
		}), byIDs, ErrTimeout, anyStatus, 0, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := tc.upstream(t)
			c := NewCustomers(ClientConfig{URL: up.url, Timeout: testTimeout, MaxResponseBytes: testMaxBytes})
			defer c.c.close()
			start := time.Now()
			err := tc.call(context.Background(), c)
			elapsed := time.Since(start)

			if !errors.Is(err, tc.kind) || (tc.kind == nil) != (err == nil) {
				t.Fatalf("got %v, want kind %v", err, tc.kind)
			}
			se, ok := AsError(err)
			if (err != nil) != ok {
				t.Fatalf("got %T %v, want a *sources.Error", err, err)
			}
			statusOK := se != nil && (se.Status == tc.status || tc.status == anyStatus)
			if ok && (se.Source != CustomersSource || !statusOK || se.RetryAfter != tc.retryAfter || se.Op == "") {
				t.Errorf("got source %q op %q status %d retryAfter %s, want customers, an op, %d, %s",
					se.Source, se.Op, se.Status, se.RetryAfter, tc.status, tc.retryAfter)
			}
			if n := up.calls(); n > tc.maxCalls {
				t.Errorf("calls: got %d, want at most %d", n, tc.maxCalls)
			}
			if elapsed > 2*testTimeout+time.Second {
				t.Errorf("answered after %s, want within the timeout (%s) plus a margin", elapsed, testTimeout)
			}
		})
	}
}

func TestClientRequestDeadlineIsATimeout(t *testing.T) {
	up := serving(func(_ http.ResponseWriter, r *http.Request) { waitForCancel(r) })(t)
	c := NewCustomers(ClientConfig{URL: up.url, Timeout: 5 * time.Second})
	defer c.c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.ByIDs(ctx, []string{"c1"})
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("got %v, want ErrTimeout (the request's deadline passed)", err)
	}
}

func TestClientCallerCancelIsNotATimeout(t *testing.T) {
	up := serving(func(_ http.ResponseWriter, r *http.Request) { waitForCancel(r) })(t)
	c := NewCustomers(ClientConfig{URL: up.url, Timeout: 5 * time.Second})
	defer c.c.close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.ByIDs(ctx, []string{"c1"})
	if err == nil || errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want a cancelled call that is not a timeout", err)
	}
}

func TestClientSendsMeta(t *testing.T) {
	full := caller.Caller{RequestID: "req-1", Subject: "u42", Scopes: []string{"orders:read", "customers:read"}, Authorization: "Bearer secret-token"}
	cases := []struct {
		name    string
		meta    caller.Caller
		forward bool
		want    map[string]string // "" means absent
	}{
		{
			"authenticated, Authorization not forwarded", full, false,
			map[string]string{"X-Request-Id": "req-1", "X-User-Id": "u42", "X-User-Scopes": "orders:read customers:read", "Authorization": "", "Accept": "application/json"},
		},
		{
			"authenticated, Authorization forwarded", full, true,
			map[string]string{"X-Request-Id": "req-1", "X-User-Id": "u42", "X-User-Scopes": "orders:read customers:read", "Authorization": "Bearer secret-token"},
		},
		{
			"anonymous", caller.Caller{RequestID: "req-2"}, true,
			map[string]string{"X-Request-Id": "req-2", "X-User-Id": "", "X-User-Scopes": "", "Authorization": ""},
		},
		{
			"no meta at all", caller.Caller{}, true,
			map[string]string{"X-Request-Id": "", "X-User-Id": "", "X-User-Scopes": "", "Authorization": ""},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan http.Header, 4)
			up := serving(func(w http.ResponseWriter, r *http.Request) {
				got <- r.Header.Clone()
				_, _ = w.Write([]byte(goodCustomers))
			})(t)
			cfg := ClientConfig{URL: up.url, Timeout: time.Second, ForwardAuthorization: tc.forward}
			s := New(Config{Orders: cfg, Customers: cfg, Analytics: cfg})
			defer s.Close()
			ctx := caller.With(context.Background(), tc.meta)
			if _, err := s.Customers.ByIDs(ctx, []string{"c1"}); err != nil {
				t.Fatal(err)
			}
			h := <-got
			for name, want := range tc.want {
				if v := h.Get(name); v != want {
					t.Errorf("%s: got %q, want %q", name, v, want)
				}
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	cases := []struct {
		in       string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"0", 0, 0},
		{"7", 7 * time.Second, 7 * time.Second},
		{"-3", 0, 0},
		{"1.5", 0, 0},
		{"soon", 0, 0},
		{time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat), 25 * time.Second, 30 * time.Second},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
	}
	for _, tc := range cases {
		if got := parseRetryAfter(tc.in); got < tc.min || got > tc.max {
			t.Errorf("parseRetryAfter(%q): got %s, want %s to %s", tc.in, got, tc.min, tc.max)
		}
	}
}
