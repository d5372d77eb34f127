package demo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// small is a data set small enough to page through often; tests only read it.
var small = NewDataset(7, 40, 600)

// serve mounts a new service over d in an httptest server.
func serve(t *testing.T, name string, d *Dataset) (*Service, *httptest.Server) {
	t.Helper()
	svc := NewService(name, d)
	ts := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		_ = svc.Stop() // ends stalled calls before ts.Close waits for them
		ts.Close()
	})
	return svc, ts
}

// newClient returns a client with its own connections, closed at cleanup.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// answer is a whole HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, c *http.Client, method, url string, body io.Reader) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func get(t *testing.T, ts *httptest.Server, path string) answer {
	t.Helper()
	return do(t, ts.Client(), http.MethodGet, ts.URL+path, nil)
}

// decode decodes a 200 answer into T.
func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if a.status != http.StatusOK {
		t.Fatalf("got status %d (%s), want 200", a.status, a.body)
	}
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", a.body, err)
	}
	return v
}

// errorOf returns the "error" member of an error answer, failing the test if
// the answer is not {"error": "..."} with status want.
func errorOf(t *testing.T, a answer, want int) string {
	t.Helper()
	var e struct {
		Error *string `json:"error"`
	}
	if a.status != want {
		t.Fatalf("got status %d (%s), want %d", a.status, a.body, want)
	}
	if err := json.Unmarshal(a.body, &e); err != nil || e.Error == nil || *e.Error == "" {
		t.Fatalf("got body %s, want {\"error\":\"...\"}", a.body)
	}
	return *e.Error
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}
