package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDemoPrintsATokenThePlaygroundSends(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--demo"}, func(k string) string {
			return map[string]string{"GQLBFF_LISTEN": "127.0.0.1:0", "GQLBFF_LOG_LEVEL": "error", "GQLBFF_HTTP_DRAIN_DELAY": "0s"}[k]
		}, &out, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	addr := regexp.MustCompile(`serving GraphQL at (http://[^ ]+)/graphql`)
	auth := regexp.MustCompile(`(?m)^Authorization: (Bearer \S+)$`)
	deadline := time.Now().Add(10 * time.Second)
	for !(addr.MatchString(out.String()) && auth.MatchString(out.String())) {
		if time.Now().After(deadline) {
			t.Fatalf("no address and token printed: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	base := addr.FindStringSubmatch(out.String())[1]
	header := auth.FindStringSubmatch(out.String())[1]
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()

	me := func(header string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", header)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		// The data and errors: extensions hold the cost report.
		var r struct {
			Data   json.RawMessage `json:"data,omitempty"`
			Errors json.RawMessage `json:"errors,omitempty"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&r)
		body, _ := json.Marshal(r)
		return fmt.Sprintf("%d %s", resp.StatusCode, body)
	}
	if got, want := me(header), `200 {"data":{"me":{"id":"c1"}}}`; got != want {
		t.Errorf("me with the printed token: got %s, want %s", got, want)
	}

	resp, err := c.Get(base + "/playground/config.json")
	if err != nil {
		t.Fatal(err)
	}
	var pg struct{ Headers map[string]string }
	_ = json.NewDecoder(resp.Body).Decode(&pg)
	resp.Body.Close()
	// The page's token is minted when the handler is built, the printed one
	// a moment later: the same claims, maybe another second.
	sent := pg.Headers["Authorization"]
	if got, want := me(sent), `200 {"data":{"me":{"id":"c1"}}}`; sent == "" || got != want {
		t.Errorf("me with the playground's token %q: got %s, want %s", sent, got, want)
	}
}

// The request lines are written together (logbuf), and all of them by the
// time run returns: stopping loses none.
func TestEveryRequestLineIsWrittenByTheTimeRunReturns(t *testing.T) {
	s := start(t, []string{"--demo"}, map[string]string{"GQLBFF_LISTEN": "127.0.0.1:0", "GQLBFF_LOG_FORMAT": "json"})
	base := waitFor(t, &s.stdout, servingRE, s.done)[1]
	auth := waitFor(t, &s.stdout, tokenRE, s.done)[1]
	c := client(t)
	const n = 25
	for i := range n {
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(fmt.Sprintf(`{"query":"query Q%d { me { id } }"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	seen := map[string]bool{}
	for line := range strings.Lines(s.stderr.String()) {
		var l struct{ Msg, Path, Operation, Outcome string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "request" && l.Path == "/graphql" && l.Outcome == "ok" {
			seen[l.Operation] = true
		}
	}
	for i := range n {
		if !seen[fmt.Sprintf("Q%d", i)] {
			t.Errorf("no request line for Q%d after run returned; stderr:\n%s", i, &s.stderr)
			break
		}
	}
}
