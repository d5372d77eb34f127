package playground_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/server/playground"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const cdn = "https://cdn.jsdelivr.net"

// built stands for a built bundle: the tests need files, not GraphiQL.
var built = fstest.MapFS{
	"playground.js":  {Data: []byte("window.bundled = true;\n")},
	"playground.css": {Data: []byte(".graphiql-container { color: red }\n")},
}

// server starts the playground on a real socket.
func server(t *testing.T, opts playground.Options) (*httptest.Server, *playground.Handler) {
	t.Helper()
	if opts.Endpoint == "" {
		opts.Endpoint = "/graphql"
	}
	h, err := playground.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Client().CloseIdleConnections()
		srv.Close()
	})
	return srv, h
}

func get(t *testing.T, srv *httptest.Server, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestFileURLs(t *testing.T) {
	srv, _ := server(t, playground.Options{Assets: built})
	_, body := get(t, srv, "/")
	var js string
	for _, l := range refs(t, string(body)) {
		if strings.HasSuffix(l.url, "/playground.js") {
			js = l.url
		}
	}
	if js == "" {
		t.Fatal("the page links no playground.js")
	}
	res, _ := get(t, srv, js)
	etag := res.Header.Get("ETag")
	version := strings.Split(js, "/")[2]
	if etag != `"`+version+`"` {
		t.Fatalf("ETag %q, want the URL's version %q", etag, version)
	}
	tests := []struct {
		name   string
		path   string
		header []string
		want   int
	}{
		{"current", js, nil, http.StatusOK},
		{"revalidated", js, []string{"If-None-Match", etag}, http.StatusNotModified},
		{"stale version", strings.Replace(js, version, "0000000000000000", 1), nil, http.StatusNotFound},
		{"unknown name", strings.Replace(js, "playground.js", "other.js", 1), nil, http.StatusNotFound},
		{"no version", "/playground/playground.js", nil, http.StatusNotFound},
		{"not a file of the page", "/playground/" + version + "/README.md", nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := get(t, srv, tt.path, tt.header...)
			if res.StatusCode != tt.want {
				t.Errorf("GET %s: status %d, want %d", tt.path, res.StatusCode, tt.want)
			}
		})
	}
}

func TestCDNModeSaysSo(t *testing.T) {
	tests := []struct {
		name   string
		assets fstest.MapFS
		lines  int
	}{
		{"built", built, 0},
		{"not built", fstest.MapFS{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			_, err := playground.New(playground.Options{
				Endpoint: "/graphql",
				Assets:   tt.assets,
				Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Count(logs.String(), "\n")
			if got != tt.lines || (got > 0 && !strings.Contains(logs.String(), "CDN")) {
				t.Errorf("got %d log lines %q, want %d naming the CDN", got, logs.String(), tt.lines)
			}
		})
	}
}
