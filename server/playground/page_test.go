package playground_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gqlbff/gqlbff"
	"github.com/gqlbff/gqlbff/server/playground"
)

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
