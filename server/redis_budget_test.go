package server_test

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/redistest"
	"github.com/gqlbff/gqlbff/server"
)

// withRedis keeps the budgets in the Redis at url: 100 points, 10 back a
// second, as smallBudget.
func withRedis(url, failMode string) option {
	return withConfig(func(c *server.Config) {
		smallBudget(c)
		c.Redis.URL = url
		c.Redis.Timeout = 250 * time.Millisecond
		c.Redis.FailMode = failMode
	})
}

// Two gqlbff instances, each its own handler, listener and sources, share
// one redis-server: a subject has one budget whichever serves it.
func TestReplicasShareOneBudgetInRedis(t *testing.T) {
	rs := redistest.Start(t)
	a := newHarness(t, withRedis(rs.URL(), server.FailOpen))
	b := newHarness(t, withRedis(rs.URL(), server.FailOpen))
	if a.srv.URL == b.srv.URL {
		t.Fatal("the two instances share a listener")
	}
	if r := spend(a); r.status != http.StatusOK {
		t.Fatalf("spend on A: got %d %s, want 200", r.status, r.body)
	}
	r := spend(b)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("same subject on B: got %d %s, want 429", r.status, r.body)
	}
	if got := checkRetryAfter(t, r, 10); got < 1 || got > 2 {
		t.Errorf("Retry-After from B: got %d, want 2 (20 points missing at 10/s)", got)
	}
	if c := costOf(t, r.response(t)); c.ThrottleStatus.CurrentlyAvailable < 40 || c.ThrottleStatus.CurrentlyAvailable >= 60 {
		t.Errorf("B's view of the bucket: got %+v, want about 40 available", c.ThrottleStatus)
	}
	if r := spend(b, "Authorization", bearer(token("someone-else", "web", allScopes...))); r.status != http.StatusOK {
		t.Errorf("another subject on B: got %d, want 200", r.status)
	}
}

// Redis killed mid-test: requests are served (fail open) or refused with
// 429 (fail closed), never a 5xx, each within the Redis timeout; when Redis
// is back, budgets are enforced again.
func TestRedisDownFollowsTheFailMode(t *testing.T) {
	cases := []struct {
		mode   string
		status int
	}{
		{server.FailOpen, http.StatusOK},
		{server.FailClosed, http.StatusTooManyRequests},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			rs := redistest.Start(t)
			h := newHarness(t, withRedis(rs.URL(), tc.mode))
			alice := []string{"Authorization", bearer(token("alice", "web", allScopes...))}
			if r := h.query(operation(t, "me"), nil, alice...); r.status != http.StatusOK {
				t.Fatalf("redis up: got %d %s", r.status, r.body)
			}
			rs.Kill()
			for i := range 10 {
				start := time.Now()
				r := h.query(operation(t, "me"), nil, alice...)
				d := time.Since(start)
				if r.status != tc.status {
					t.Fatalf("request %d with redis down: got %d %s, want %d", i, r.status, r.body, tc.status)
				}
				resp := r.response(t, "me")
				if c := costOf(t, resp); c.ThrottleStatus != nil {
					t.Errorf("request %d: throttleStatus %+v while the store is down, want none", i, c.ThrottleStatus)
				}
				if tc.status == http.StatusTooManyRequests && (len(resp.Errors) != 1 || resp.Errors[0].Code() != "RATE_LIMITED" || retryAfter(t, r) != 1) {
					t.Errorf("request %d: got %s, want RATE_LIMITED with Retry-After 1", i, r.body)
				}
				if d > time.Second {
					t.Errorf("request %d took %s: more than the 250ms Redis timeout allows", i, d)
				}
			}
			rs.Restart()
			eventually(t, "budgets enforced again", func() bool {
				r := spend(h)
				if r.status != http.StatusOK {
					return false
				}
				c := costOf(t, r.response(t))
				return c.ThrottleStatus != nil
			})
			if r := spend(h); r.status != http.StatusTooManyRequests {
				t.Errorf("after the restart: got %d, want 429 (60 of 100 spent twice)", r.status)
			}
		})
	}
}

// TestRedisOutageLoggedOncePerStateChange checks that a Redis outage is
// logged when it starts and when it ends, not on every request, and shows
// in gqlbff_store_up.
func TestRedisOutageLoggedOncePerStateChange(t *testing.T) {
	rs := redistest.Start(t)
	var buf syncBuffer
	h := newHarness(t, withRedis(rs.URL(), server.FailOpen), withLogger(slog.New(slog.NewJSONHandler(&buf, nil))))
	alice := []string{"Authorization", bearer(token("alice", "web", allScopes...))}
	h.query(operation(t, "me"), nil, alice...).response(t, "me")
	h.scrape().want(t, seriesWant{"gqlbff_store_up", "store=budgets", 1})
	rs.Kill()
	for range 10 {
		h.query(operation(t, "me"), nil, alice...).response(t, "me")
	}
	const down, up = "cost budget store unavailable: serving (fail open) until it answers again", "cost budget store available again"
	if n := len(buf.lines(t, down)); n != 1 {
		t.Errorf("outage lines after 10 requests: got %d, want 1", n)
	}
	h.scrape().want(t, seriesWant{"gqlbff_store_up", "store=budgets", 0})
	rs.Restart()
	eventually(t, "the store answering again", func() bool {
		h.query(operation(t, "me"), nil, alice...)
		return len(buf.lines(t, up)) == 1
	})
	h.query(operation(t, "me"), nil, alice...)
	if n, m := len(buf.lines(t, down)), len(buf.lines(t, up)); n != 1 || m != 1 {
		t.Errorf("lines: got %d outage and %d recovery, want 1 and 1", n, m)
	}
	h.scrape().want(t, seriesWant{"gqlbff_store_up", "store=budgets", 1})
}
