package playground_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff"
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

// ref is a script or stylesheet the page links, as written in the page.
type ref struct{ tag, url, integrity, nonce string }

var (
	tagRE   = regexp.MustCompile(`<(script|link|style)\b[^>]*>`)
	attrRE  = regexp.MustCompile(`\b([a-z-]+)="([^"]*)"`)
	inlined = regexp.MustCompile(`<script\b[^>]*>[^<]+</script>|<style\b|\bstyle="|\bon[a-z]+="`)
)

// refs lists the page's scripts and stylesheets with their attributes.
func refs(t *testing.T, page string) []ref {
	t.Helper()
	var out []ref
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(m[0], -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		switch {
		case m[1] == "script":
			out = append(out, ref{"script", attrs["src"], attrs["integrity"], attrs["nonce"]})
		case m[1] == "link" && attrs["rel"] == "stylesheet":
			out = append(out, ref{"style", attrs["href"], attrs["integrity"], ""})
		case m[1] == "style":
			t.Errorf("page has an inline <style>: %s", m[0])
		}
	}
	return out
}

// sri computes an integrity value with the algorithm the value names.
func sri(integrity string, body []byte) string {
	switch {
	case strings.HasPrefix(integrity, "sha384-"):
		sum := sha512.Sum384(body)
		return "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
	case strings.HasPrefix(integrity, "sha256-"):
		sum := sha256.Sum256(body)
		return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
	}
	return "unknown algorithm"
}

func TestPage(t *testing.T) {
	_, onDisk := os.Stat("assets/playground.js")
	embeddedBundled := onDisk == nil
	tests := []struct {
		name    string
		assets  fstest.MapFS // nil: the embedded assets
		bundled bool
		scripts []string // what each script URL ends with
		styles  []string
		policy  string // with NONCE for the response's nonce
	}{
		{
			name:    "built assets",
			assets:  built,
			bundled: true,
			scripts: []string{"/playground.js"},
			styles:  []string{"/playground.css", "/page.css"},
			policy: "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-NONCE'; connect-src 'self'; " +
				"img-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		},
		{
			name:    "no assets: CDN",
			assets:  fstest.MapFS{"README.md": {Data: []byte("not built")}},
			bundled: false,
			scripts: []string{"/react.production.min.js", "/react-dom.production.min.js", "/graphiql.min.js", "/boot.js", "/cdn.js"},
			styles:  []string{"/graphiql.min.css", "/page.css"},
			policy: "default-src 'none'; script-src 'self' " + cdn + "; style-src 'self' " + cdn + " 'nonce-NONCE'; connect-src 'self'; " +
				"img-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		},
	}
	if embeddedBundled {
		tests = append(tests, tests[0])
	} else {
		tests = append(tests, tests[1])
	}
	tests[2].name, tests[2].assets = "embedded assets", nil

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := playground.Options{Operations: gqlbff.Operations(), First: gqlbff.DefaultOperation}
			if tt.assets != nil {
				opts.Assets = tt.assets
			}
			srv, h := server(t, opts)
			if h.Bundled() != tt.bundled {
				t.Fatalf("Bundled() = %v, want %v", h.Bundled(), tt.bundled)
			}
			res, body := get(t, srv, "/")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET /: status %d, want 200", res.StatusCode)
			}
			for k, want := range map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			page := string(body)
			if m := inlined.FindString(page); m != "" {
				t.Errorf("page has inline code or style: %q", m)
			}
			links := refs(t, page)
			var scripts, styles []string
			nonce := ""
			for _, l := range links {
				if l.integrity == "" {
					t.Errorf("%s %s has no integrity attribute", l.tag, l.url)
				}
				if l.tag == "script" {
					scripts = append(scripts, l.url)
					if nonce == "" {
						nonce = l.nonce
					}
					if l.nonce != nonce {
						t.Errorf("script %s: nonce %q, want the page's %q", l.url, l.nonce, nonce)
					}
				} else {
					styles = append(styles, l.url)
				}
			}
			if !suffixes(scripts, tt.scripts) || !suffixes(styles, tt.styles) {
				t.Errorf("got scripts %v and styles %v, want ones ending %v and %v", scripts, styles, tt.scripts, tt.styles)
			}
			if len(nonce) != 24 {
				t.Errorf("nonce %q: want 16 random bytes in base64", nonce)
			}
			if got, want := res.Header.Get("Content-Security-Policy"), strings.ReplaceAll(tt.policy, "NONCE", nonce); got != want {
				t.Errorf("CSP:\n got %s\nwant %s", got, want)
			}
			checkFiles(t, srv, links)

			_, again := get(t, srv, "/")
			if second := refs(t, string(again)); len(second) == 0 || second[0].nonce == nonce {
				t.Errorf("second page: nonce %q, want a fresh one", second[0].nonce)
			}
		})
	}
}

// suffixes reports whether each got[i] ends with want[i].
func suffixes(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !strings.HasSuffix(got[i], want[i]) {
			return false
		}
	}
	return true
}

// checkFiles fetches every file the page links from gqlbff and checks its
// integrity and caching; the CDN's must be on the CDN, pinned by integrity.
func checkFiles(t *testing.T, srv *httptest.Server, links []ref) {
	t.Helper()
	for _, l := range links {
		if strings.HasPrefix(l.url, cdn+"/npm/") {
			if !strings.HasPrefix(l.integrity, "sha256-") {
				t.Errorf("%s: integrity %q, want a sha256", l.url, l.integrity)
			}
			continue
		}
		if !strings.HasPrefix(l.url, "/playground/") {
			t.Errorf("%s: neither gqlbff's nor the CDN's", l.url)
			continue
		}
		res, body := get(t, srv, l.url)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", l.url, res.StatusCode)
			continue
		}
		if got := sri(l.integrity, body); got != l.integrity {
			t.Errorf("%s: served file hashes to %s, page says %s", l.url, got, l.integrity)
		}
		if got, want := res.Header.Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
			t.Errorf("%s: Cache-Control %q, want %q", l.url, got, want)
		}
		want := "text/css; charset=utf-8"
		if l.tag == "script" {
			want = "text/javascript; charset=utf-8"
		}
		if got := res.Header.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q", l.url, got, want)
		}
	}
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

type configJSON struct {
	Endpoint string            `json:"endpoint"`
	Headers  map[string]string `json:"headers"`
	Tabs     []struct {
		Name      string         `json:"name"`
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	} `json:"tabs"`
}

func TestConfig(t *testing.T) {
	ops := fstest.MapFS{
		"a.graphql":          {Data: []byte("{ a }")},
		"b.graphql":          {Data: []byte("query B($id: ID!) { b(id: $id) }")},
		"b.variables.json":   {Data: []byte(`{"id": "b7"}`)},
		"dash.graphql":       {Data: []byte("{ dash }")},
		"notes.txt":          {Data: []byte("not an operation")},
		"orphan.variables.x": {Data: []byte("{}")},
	}
	srv, _ := server(t, playground.Options{
		Endpoint:   "/graphql",
		Headers:    map[string]string{"Authorization": "Bearer dev"},
		Operations: ops,
		First:      "dash",
		Assets:     built,
	})
	res, body := get(t, srv, "/playground/config.json")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q; want 200 application/json", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store: it may carry a token", got)
	}
	var cfg configJSON
	if err := json.Unmarshal(body, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "/graphql" || cfg.Headers["Authorization"] != "Bearer dev" || len(cfg.Headers) != 1 {
		t.Errorf("got endpoint %q headers %v, want /graphql and the Authorization header", cfg.Endpoint, cfg.Headers)
	}
	var names []string
	for _, tab := range cfg.Tabs {
		names = append(names, tab.Name)
	}
	if strings.Join(names, ",") != "dash,a,b" {
		t.Fatalf("tabs %v, want dash first, then a, b", names)
	}
	if cfg.Tabs[2].Query != "query B($id: ID!) { b(id: $id) }" || cfg.Tabs[2].Variables["id"] != "b7" {
		t.Errorf("tab b: got %+v, want its query and variables", cfg.Tabs[2])
	}
	if cfg.Tabs[0].Variables != nil {
		t.Errorf("tab dash: variables %v, want none", cfg.Tabs[0].Variables)
	}
}

// The project's own example operations: every one is a tab, the dashboard
// first, each variables file a JSON object.
func TestConfigOfTheExampleOperations(t *testing.T) {
	srv, _ := server(t, playground.Options{Operations: gqlbff.Operations(), First: gqlbff.DefaultOperation})
	_, body := get(t, srv, "/playground/config.json")
	var cfg configJSON
	if err := json.Unmarshal(body, &cfg); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("../../testdata/operations")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".graphql") {
			want++
		}
	}
	if len(cfg.Tabs) != want || cfg.Tabs[0].Name != "dashboard" {
		t.Fatalf("got %d tabs, first %q; want %d, dashboard first", len(cfg.Tabs), cfg.Tabs[0].Name, want)
	}
	for _, tab := range cfg.Tabs {
		b, err := os.ReadFile("../../testdata/operations/" + tab.Name + ".graphql")
		if err != nil || string(b) != tab.Query {
			t.Errorf("tab %s: query differs from its file (%v)", tab.Name, err)
		}
	}
	if len(cfg.Headers) != 0 {
		t.Errorf("headers %v, want none unless given", cfg.Headers)
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		opts playground.Options
	}{
		{"no endpoint", playground.Options{}},
		{"variables not an object", playground.Options{Endpoint: "/graphql", Operations: fstest.MapFS{
			"a.graphql": {Data: []byte("{ a }")}, "a.variables.json": {Data: []byte(`["id"]`)},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := playground.New(tt.opts); err == nil {
				t.Error("got no error, want one")
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
