package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// TestConcurrentRequestsOfOneUserKeepTheirOwnValues runs one user's
// operations at once over real sockets, through everything that starts
// work from a request's context and may outlive it: the record cache's
// shared refreshes (a short TTL), its stale answers (the customers source
// going down and up), coalesced source calls, the answer cache, APQ
// registration, usage recording, requests cancelled half way. Under -race
// it is the check that a request's values (caller.Request, filled in
// place by its layers) are never written while another goroutine reads
// them; each answer is checked to be its own request's: its request id
// and its data.
func TestConcurrentRequestsOfOneUserKeepTheirOwnValues(t *testing.T) {
	h := newHarness(t, withSourceCache(20*time.Millisecond, 5*time.Second, "user"), withConfig(func(c *server.Config) {
		c.Sources.Customers.Breaker = server.BreakerConfig{MinRequests: 1000, FailureRatio: 1, Window: time.Second, OpenTimeout: time.Second}
		c.Profiles.Web.Budget = server.BudgetConfig{Capacity: 1e9, RestoreRate: 1e9}
		c.HTTP.MaxInFlight = 64 // no refusal of the adaptive limit on a busy machine
	}))
	h.svcs.Customers.SetLatency(2 * time.Millisecond)
	ops := []string{"orders_fanout", "dashboard", "order_detail", "customers_by_ids", "me"}
	texts := map[string]string{}
	want := map[string]string{}
	for _, op := range ops {
		texts[op] = operation(t, op)
		a := h.postJSON(map[string]any{"query": texts[op], "variables": variablesOf(t, op), "extensions": apq(texts[op])})
		var r struct {
			Data   json.RawMessage `json:"data"`
			Errors []any           `json:"errors"`
		}
		if err := json.Unmarshal(a.body, &r); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %s", op, a.body)
		}
		want[op] = string(r.Data)
	}
	stop := make(chan struct{})
	var flips sync.WaitGroup
	flips.Add(1)
	go func() {
		defer flips.Done()
		down := false
		for {
			select {
			case <-stop:
				h.svcs.Customers.SetDown(false)
				return
			case <-time.After(15 * time.Millisecond):
				down = !down
				h.svcs.Customers.SetDown(down)
			}
		}
	}()
	const workers, each = 6, 20
	errs := make(chan error, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				op := ops[(w+i)%len(ops)]
				body := map[string]any{"query": texts[op], "variables": variablesOf(t, op)}
				switch i % 3 {
				case 1: // APQ: the hash and the text
					body["extensions"] = apq(texts[op])
				case 2: // persisted GET: the hash only
					body = map[string]any{"variables": variablesOf(t, op), "extensions": apq(texts[op])}
				}
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if i%7 == 6 {
					ctx, cancel = context.WithTimeout(ctx, time.Duration(1+i%4)*time.Millisecond)
				}
				id := fmt.Sprintf("w%d-%d", w, i)
				err := oneRequest(ctx, h, id, body, want[op])
				cancel()
				if err != nil && ctx.Err() == nil {
					errs <- fmt.Errorf("%s %s: %w", id, op, err)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	flips.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// oneRequest sends body as request id (a GET of its parameters when it
// has no query text, else a POST) and checks that the answer is its
// own: its request id, want as its data, errors only for a source down.
func oneRequest(ctx context.Context, h *harness, id string, body map[string]any, want string) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/graphql", bytes.NewReader(b))
	if _, text := body["query"]; !text {
		q := url.Values{}
		for k, v := range body {
			q.Set(k, mustJSON(v))
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/graphql?"+q.Encode(), nil)
	}
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("GraphQL-Preflight", "1")
	req.Header.Set("Authorization", "Bearer "+defaultToken)
	req.Header.Set("X-Request-Id", id)
	resp, err := h.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if g := resp.Header.Get("X-Request-Id"); g != id {
		return fmt.Errorf("X-Request-Id %q, want %q", g, id)
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(got, &r); err != nil {
		return fmt.Errorf("%w: %s", err, got)
	}
	for _, e := range r.Errors {
		if e.Extensions.Code != "SOURCE_UNAVAILABLE" {
			return fmt.Errorf("status %d: %s", resp.StatusCode, got)
		}
	}
	if len(r.Errors) == 0 && string(r.Data) != want {
		return fmt.Errorf("data %s, want %s", r.Data, want)
	}
	return nil
}
