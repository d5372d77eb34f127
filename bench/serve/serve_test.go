package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/bench/probe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSubject(t *testing.T) {
	payload := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, header, want string
	}{
		{"no header", "", ""},
		{"a token", "Bearer h." + payload(`{"sub":"c7","scope":"orders:read"}`) + ".sig", "c7"},
		{"padded payload", "Bearer h." + payload(`{"sub":"c12"}`) + "==.sig", "c12"},
		{"not bearer", "Basic dTpw", ""},
		{"two parts", "Bearer h." + payload(`{"sub":"c7"}`), ""},
		{"not base64", "Bearer h.!!!.sig", ""},
		{"not JSON", "Bearer h." + payload("sub") + ".sig", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			if got := Subject(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadManifest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"abc","name":"Me","type":"query","body":"{ me { id } }"}]}`)
	m, err := LoadManifest(good)
	if err != nil || m["abc"] != "{ me { id } }" {
		t.Errorf("good manifest: got %v, %v", m, err)
	}
	for name, body := range map[string]string{
		"wrong format": `{"format":"other","version":1}`,
		"not JSON":     `{`,
	} {
		if _, err := LoadManifest(write(strings.ReplaceAll(name, " ", "-"), body)); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
	if _, err := LoadManifest(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: got no error")
	}
}

// syncBuffer is written by Run while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesHandlerHealthAndDebugUntilCancelled(t *testing.T) {
	const key = "a-bench-admin-key-of-32-characters-or-more"
	t.Setenv(probe.KeyEnv, key)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "test", []string{"-listen", "127.0.0.1:0", "-debug-listen", "127.0.0.1:0"}, &out, io.Discard,
			func(o Options) (http.Handler, error) {
				return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "handler") }), nil
			})
	}()
	var addrs []string
	for deadline := time.Now().Add(5 * time.Second); len(addrs) < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no addresses printed: %q", out.String())
		}
		addrs = nil
		for _, line := range strings.Split(out.String(), "\n") {
			if _, a, ok := strings.Cut(line, "serving at "); ok {
				addrs = append(addrs, a)
			}
		}
	}
	c := &http.Client{Transport: &http.Transport{}}
	for _, tc := range []struct{ url, auth, want string }{
		{addrs[0] + "/graphql", "", "handler"},
		{addrs[0] + "/healthz", "", `{"status":"ok"}`},
		{addrs[1] + "/debug/stats", "Bearer " + key, `"goroutines"`},
		// The debug endpoints want the bench's admin key.
		{addrs[1] + "/debug/stats", "", `"UNAUTHENTICATED"`},
		{addrs[1] + "/debug/pprof/", "Bearer wrong", `"UNAUTHENTICATED"`},
	} {
		req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: got %q, want %q in it", tc.url, b, tc.want)
		}
	}
	c.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("after cancel: got %v, want nil", err)
	}
}
