package diag

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var sink [][]byte

func TestReadCountsAllocations(t *testing.T) {
	const n = 1000
	sink = make([][]byte, 0, n)
	before := Read()
	for range n {
		sink = append(sink, make([]byte, 64))
	}
	after := Read()
	sink = nil
	// Exact: between the two reads there are the n slices and what Read
	// allocates itself (its samples).
	if got := after.AllocObjects - before.AllocObjects; got < n || got > n+4 {
		t.Errorf("alloc objects: got %d more, want %d (and Read's own few)", got, n)
	}
	if got := after.AllocBytes - before.AllocBytes; got < n*64 {
		t.Errorf("alloc bytes: got %d more, want at least %d", got, n*64)
	}
	if after.Goroutines == 0 || after.GOMAXPROCS == 0 || after.TotalBytes == 0 || after.HeapObjectsBytes == 0 {
		t.Errorf("got %+v, want goroutines, gomaxprocs, total and heap bytes above 0", after)
	}
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	get := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	_, body := get(http.MethodGet, "/debug/stats")
	var first Stats
	if err := json.Unmarshal([]byte(body), &first); err != nil || first.Goroutines == 0 {
		t.Fatalf("stats: got %q (%v), want a JSON Stats with goroutines", body, err)
	}
	_, body = get(http.MethodGet, "/debug/stats?gc=1")
	var second Stats
	_ = json.Unmarshal([]byte(body), &second)
	if second.GCCycles <= first.GCCycles {
		t.Errorf("gc=1: got %d cycles after %d, want more", second.GCCycles, first.GCCycles)
	}

	tests := []struct {
		name, method, path string
		status             int
		contains           string
	}{
		{"pprof index", http.MethodGet, "/debug/pprof/", http.StatusOK, "goroutine"},
		{"goroutine profile", http.MethodGet, "/debug/pprof/goroutine?debug=1", http.StatusOK, "goroutine profile"},
		{"stats by POST", http.MethodPost, "/debug/stats", http.StatusMethodNotAllowed, ""},
		{"unknown path", http.MethodGet, "/graphql", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(tt.method, tt.path)
			if status != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("got %d %.80q, want %d containing %q", status, body, tt.status, tt.contains)
			}
		})
	}
}
